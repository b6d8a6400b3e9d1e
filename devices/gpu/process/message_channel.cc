#include "devices/gpu/process/message_channel.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "devices/gpu/process/renderer_process_protocol.h"

namespace vmm::gpu::process {

bool send_datagram(int socket, std::span<const std::uint8_t> bytes, std::span<const int> fds,
                   std::string* error) {
  if (fds.size() > kMaxFds) {
    *error = std::to_string(fds.size()) + " fds in one message, over " + std::to_string(kMaxFds);
    return false;
  }
  iovec iov{const_cast<std::uint8_t*>(bytes.data()), bytes.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t n;
  do {
    // MSG_NOSIGNAL: a peer that died is an EPIPE here, not a SIGPIPE that ends vmm.
    n = sendmsg(socket, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    *error = std::string("sendmsg: ") + std::strerror(errno);
    return false;
  }
  return true;
}

RecvStatus recv_datagram(int socket, Datagram* out, std::string* error) {
  out->bytes.assign(kMaxMessage, 0);
  out->fds.clear();
  iovec iov{out->bytes.data(), out->bytes.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    // MSG_CMSG_CLOEXEC: an fd received here must not leak into a process vmm starts later.
    n = recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == ECONNRESET) return RecvStatus::Closed;
    *error = std::string("recvmsg: ") + std::strerror(errno);
    return RecvStatus::Error;
  }
  // Own every fd that came, whatever else is wrong with the message, so none leaks.
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      out->fds.emplace_back(fd);
    }
  }
  if (n == 0 && out->fds.empty()) {
    out->bytes.clear();
    return RecvStatus::Closed;  // SOCK_SEQPACKET: 0 bytes is the peer's close
  }
  if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
    *error = (msg.msg_flags & MSG_TRUNC) ? "a message over " + std::to_string(kMaxMessage) + " bytes"
                                         : "a message with more than " + std::to_string(kMaxFds) + " fds";
    out->bytes.clear();
    out->fds.clear();
    return RecvStatus::Error;
  }
  out->bytes.resize(static_cast<std::size_t>(n));
  return RecvStatus::Ok;
}

}  // namespace vmm::gpu::process
