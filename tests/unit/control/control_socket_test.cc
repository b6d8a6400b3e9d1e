// The socket rules of --control PATH (vmm/control/control_socket.h), in a private temporary
// directory: owner-only mode, a stale socket replaced, anything else refused, removal at exit.
#include "vmm/control/control_socket.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "tests/unit/control/test_client.h"

namespace vmm::control {
namespace {

using testing::TempDir;

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// A socket bound at `path` whose listener then went away without removing it: what a vmm
// that was killed leaves behind.
void leave_stale_socket(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.data(), path.size());
  ASSERT_EQ(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
}

std::string refusal(const std::string& path) {
  try {
    ControlSocket socket = ControlSocket::listen_at(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(ControlSocket, IsOwnerOnlyListensAndIsRemovedAtExit) {
  TempDir dir;
  const std::string path = dir.file("vmm.sock");
  {
    ControlSocket socket = ControlSocket::listen_at(path);
    struct stat st {};
    ASSERT_EQ(::lstat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_TRUE(testing::connect_to(path).valid());
  }
  EXPECT_FALSE(exists(path));
}

TEST(ControlSocket, TheUmaskDoesNotWidenTheMode) {
  TempDir dir;
  const mode_t previous = ::umask(0);
  ControlSocket socket = ControlSocket::listen_at(dir.file("s"));
  const mode_t during = ::umask(previous);
  EXPECT_EQ(during, 0u);  // the process's umask was given back
  struct stat st {};
  ASSERT_EQ(::lstat(dir.file("s").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(ControlSocket, AStaleSocketIsReplaced) {
  TempDir dir;
  const std::string path = dir.file("stale.sock");
  leave_stale_socket(path);
  ASSERT_TRUE(exists(path));
  ControlSocket socket = ControlSocket::listen_at(path);
  EXPECT_TRUE(testing::connect_to(path).valid());
}

TEST(ControlSocket, ALiveSocketAFileAndADirectoryAreRefused) {
  TempDir dir;
  const std::string live = dir.file("live.sock");
  ControlSocket first = ControlSocket::listen_at(live);
  EXPECT_NE(refusal(live).find("a live socket"), std::string::npos) << refusal(live);
  EXPECT_TRUE(testing::connect_to(live).valid());  // the first one still serves

  const std::string file = dir.file("file");
  std::ofstream(file) << "keep me";
  EXPECT_NE(refusal(file).find("not a socket"), std::string::npos) << refusal(file);
  std::ifstream in(file);
  std::string content;
  std::getline(in, content);
  EXPECT_EQ(content, "keep me");

  EXPECT_NE(refusal(dir.path()).find("is a directory"), std::string::npos);
  // every refusal is one line naming the option and the path
  for (const std::string& path : {live, file, dir.path()}) {
    const std::string why = refusal(path);
    EXPECT_EQ(why.rfind("--control " + path + ": ", 0), 0u) << why;
    EXPECT_EQ(why.find('\n'), std::string::npos);
  }
}

TEST(ControlSocket, ATooLongPathIsRefusedInOneLine) {
  const std::string path = "/tmp/" + std::string(200, 'x');
  EXPECT_NE(refusal(path).find("at most 107 bytes"), std::string::npos) << refusal(path);
}

TEST(ControlSocket, WhatReplacedTheSocketIsNotRemoved) {
  TempDir dir;
  const std::string path = dir.file("s");
  {
    ControlSocket socket = ControlSocket::listen_at(path);
    ASSERT_EQ(::unlink(path.c_str()), 0);
    std::ofstream(path) << "someone else's";
  }
  EXPECT_TRUE(exists(path));
}

TEST(ControlSocket, OnlyTheOwnersUidMayTalk) {
  EXPECT_TRUE(peer_allowed(1000, 1000));
  EXPECT_FALSE(peer_allowed(1001, 1000));
  EXPECT_FALSE(peer_allowed(0, 1000));  // root is not the owner either
  EXPECT_FALSE(peer_allowed(1000, 0));
  TempDir dir;
  ControlSocket socket = ControlSocket::listen_at(dir.file("s"));
  UniqueFd client = testing::connect_to(dir.file("s"));
  UniqueFd accepted(::accept(socket.fd(), nullptr, nullptr));
  ASSERT_TRUE(accepted.valid());
  EXPECT_EQ(peer_uid(accepted.get()), ::geteuid());
}

}  // namespace
}  // namespace vmm::control
