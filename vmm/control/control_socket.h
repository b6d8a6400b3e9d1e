// ControlSocket: the listening Unix socket of --control PATH, made at set-up, before any
// thread is confined and before the machine is assembled, so that a PATH that cannot be
// used is one line and exit 1 before anything else happens.
//
// The rules (PROTOCOL.md "Socket"):
//  - the socket is created owner-only (mode 0600, by umask around bind()), and the server
//    still closes any peer whose SO_PEERCRED uid is not vmm's effective uid;
//  - a PATH that exists is used only when it is a stale socket: a socket owned by this
//    user on which nobody listens (connect() gets ECONNREFUSED), left by a vmm that died.
//    It is removed first. A file, a directory, a live socket or another user's socket is
//    refused;
//  - the socket is removed by remove() (the control thread's last act, under its seccomp
//    list) or else when this object goes, unless PATH by then names something else.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "base/unique_fd.h"

namespace vmm::control {

class ControlSocket {
 public:
  // Throws std::runtime_error with one line naming PATH and the reason.
  static ControlSocket listen_at(const std::string& path);
  ControlSocket(ControlSocket&&) noexcept;
  ControlSocket& operator=(ControlSocket&&) = delete;
  ControlSocket(const ControlSocket&) = delete;
  ~ControlSocket();

  int fd() const { return fd_.get(); }
  // Removes PATH if it is still this socket; once. Needs lstat and unlink.
  void remove();
  const std::string& path() const { return path_; }

 private:
  ControlSocket(UniqueFd fd, std::string path, dev_t dev, ino_t ino)
      : fd_(std::move(fd)), path_(std::move(path)), dev_(dev), ino_(ino) {}
  UniqueFd fd_;
  std::string path_;  // empty once moved from
  dev_t dev_;
  ino_t ino_;
};

// Whether a peer may talk to the server: only vmm's own effective uid (root is not
// special: the socket's owner is the one who started vmm).
bool peer_allowed(uid_t peer_uid, uid_t own_euid);
// The connected peer's uid (SO_PEERCRED), or nullopt when the kernel does not say.
std::optional<uid_t> peer_uid(int connected_fd);

}  // namespace vmm::control
