// The wire protocol between vmm and vmm-gpu-process, the process that hosts virglrenderer
// (see renderer_process.h). One concern: the bytes. Both sides build from this header.
//
// Transport: a SOCK_SEQPACKET socketpair; vmm keeps one end, the process inherits the
// other as fd 3. One datagram is one message; fds travel beside it as SCM_RIGHTS (at most
// kMaxFds; blobs will reach vmm this way).
//
// A message: a 12-byte header, then `length` bytes of payload. Every integer little-endian
// (both ends run on the same x86-64 host; the fuzzer and the decoder still read bytes, never
// cast structs).
//
//   offset 0  u32 magic     kMagic ("VGPU")
//          4  u16 version   kProtocolVersion: a peer speaking another refuses the message
//          6  u16 type      MessageType
//          8  u32 length    payload bytes: the datagram is exactly 12 + length bytes, and
//                           length <= kMaxPayload
//
// Payload fields are u32s and strings; a string is a u16 byte count (<= kMaxString) and the
// bytes, not NUL-terminated. A payload with bytes left over after its last field, or too
// few for it, is refused whole.
//
// Requests (vmm -> process), each answered by exactly one reply of the same exchange:
//   Hello      empty                          -> HelloReply
//   Shutdown   empty                          -> ShutdownReply, then the process exits 0
// Replies (process -> vmm):
//   HelloReply    u32 protocol_version, str virglrenderer_version, str version_source,
//                 str library (the file dlopen loaded), u32 contexts (ContextBit),
//                 u32 venus_wire_format, str virgl_description, str notes (why a context
//                 is missing; "" when none), u32 capset_count (<= kMaxCapsets), then per
//                 capset u32 id, u32 max_version, u32 max_size
//   ShutdownReply empty
//   Error         u32 code (ErrorCode), str message: the request could not be served
#pragma once

#include <cstddef>
#include <cstdint>

namespace vmm::gpu::process {

inline constexpr std::uint32_t kMagic = 0x55504756;  // "VGPU" in memory order
inline constexpr std::uint16_t kProtocolVersion = 1;
inline constexpr std::size_t kHeaderBytes = 12;
inline constexpr std::size_t kMaxPayload = 16 * 1024;
inline constexpr std::size_t kMaxMessage = kHeaderBytes + kMaxPayload;
inline constexpr std::size_t kMaxString = 1024;
inline constexpr std::size_t kMaxCapsets = 16;
inline constexpr std::size_t kMaxFds = 4;
// The fd number the process finds its end of the socketpair at.
inline constexpr int kChannelFd = 3;

enum class MessageType : std::uint16_t {
  Hello = 1,
  Shutdown = 2,
  HelloReply = 0x8001,
  ShutdownReply = 0x8002,
  Error = 0x80ff,
};

enum ContextBit : std::uint32_t {
  kContextVirgl = 1u << 0,
  kContextVenus = 1u << 1,
};

enum class ErrorCode : std::uint32_t {
  BadMessage = 1,      // the request did not decode (its text says why)
  UnknownRequest = 2,  // a type the process does not serve
};

}  // namespace vmm::gpu::process
