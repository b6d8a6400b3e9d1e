#include "vmm/control/control_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace vmm::control {

namespace {

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw std::runtime_error("--control " + path + ": " + why);
}

sockaddr_un address_of(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty()) refuse(path, "the path is empty");
  if (path.size() >= sizeof address.sun_path)
    refuse(path, "a Unix socket path may be at most " + std::to_string(sizeof address.sun_path - 1) +
                     " bytes long; pick a shorter one");
  std::memcpy(address.sun_path, path.data(), path.size());
  return address;
}

UniqueFd new_socket() {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) throw std::runtime_error(std::string("--control: socket(): ") + std::strerror(errno));
  return fd;
}

// PATH exists: remove it if it is a stale socket of ours, refuse it otherwise.
void remove_if_stale(const std::string& path, const sockaddr_un& address, const struct stat& st) {
  if (!S_ISSOCK(st.st_mode))
    refuse(path, S_ISDIR(st.st_mode) ? "is a directory" : "exists and is not a socket; vmm will not replace it");
  if (st.st_uid != ::geteuid())
    refuse(path, "is a socket of another user (uid " + std::to_string(st.st_uid) + "); vmm will not replace it");
  UniqueFd probe = new_socket();
  // A non-blocking connect to a Unix socket either connects, is refused, or (a full
  // backlog) says EAGAIN: only a refusal proves that nobody listens.
  if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 || errno == EAGAIN)
    refuse(path, "a live socket: another process listens there (another vmm?)");
  if (errno != ECONNREFUSED)
    refuse(path, std::string("exists and cannot be checked: ") + std::strerror(errno));
  if (::unlink(path.c_str()) != 0)
    refuse(path, std::string("is a stale socket that cannot be removed: ") + std::strerror(errno));
}

}  // namespace

ControlSocket ControlSocket::listen_at(const std::string& path) {
  const sockaddr_un address = address_of(path);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0)
    remove_if_stale(path, address, st);
  else if (errno != ENOENT)
    refuse(path, std::string("cannot be looked at: ") + std::strerror(errno));

  UniqueFd fd = new_socket();
  // Owner-only from its first moment: the mode comes from the umask at bind(), so there is
  // no window in which the socket exists with wider permissions. Set-up runs on the main
  // thread alone, so changing the process's umask here affects no one else.
  const mode_t previous_umask = ::umask(0177);
  const int bound = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address);
  const int bind_errno = errno;
  ::umask(previous_umask);
  if (bound != 0) refuse(path, std::string("cannot bind: ") + std::strerror(bind_errno));
  struct stat made {};
  if (::lstat(path.c_str(), &made) != 0 || ::listen(fd.get(), SOMAXCONN) != 0) {
    const int saved = errno;
    ::unlink(path.c_str());
    refuse(path, std::string("cannot listen: ") + std::strerror(saved));
  }
  return ControlSocket(std::move(fd), path, made.st_dev, made.st_ino);
}

ControlSocket::ControlSocket(ControlSocket&& other) noexcept
    : fd_(std::move(other.fd_)), path_(std::move(other.path_)), dev_(other.dev_), ino_(other.ino_) {
  other.path_.clear();
}

ControlSocket::~ControlSocket() { remove(); }

void ControlSocket::remove() {
  if (path_.empty()) return;
  // Removed only if PATH is still this socket: a user who replaced it keeps what is there.
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) ::unlink(path_.c_str());
  path_.clear();
}

bool peer_allowed(uid_t peer_uid, uid_t own_euid) { return peer_uid == own_euid; }

std::optional<uid_t> peer_uid(int connected_fd) {
  ucred credentials{};
  socklen_t length = sizeof credentials;
  if (::getsockopt(connected_fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0 || length != sizeof credentials)
    return std::nullopt;
  return credentials.uid;
}

}  // namespace vmm::control
