// One end of the renderer process's SOCK_SEQPACKET socketpair: whole datagrams out and in,
// with fds beside them as SCM_RIGHTS. Both sides use it; it knows nothing of the messages'
// contents (renderer_process_message.h).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace vmm::gpu::process {

struct Datagram {
  std::vector<std::uint8_t> bytes;
  std::vector<UniqueFd> fds;  // received ones are owned here: closed unless taken
};

enum class RecvStatus { Ok, Closed, Error };

// Sends BYTES with FDS (<= kMaxFds). false with *error (errno's text) when it could not.
bool send_datagram(int socket, std::span<const std::uint8_t> bytes, std::span<const int> fds,
                   std::string* error);

// Receives one datagram (at most kMaxMessage bytes, kMaxFds fds). A datagram larger than
// that, or one whose fds were cut (MSG_TRUNC, MSG_CTRUNC), is an Error: its bytes and fds are
// dropped, none is half-read. Closed: the peer closed its end (or died).
RecvStatus recv_datagram(int socket, Datagram* out, std::string* error);

}  // namespace vmm::gpu::process
