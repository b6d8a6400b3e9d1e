// The wire protocol between vmm and vmm-gpu-process, the process that hosts virglrenderer
// (see renderer_process.h). One concern: the bytes. Both sides build from this header.
//
// Transport: a SOCK_SEQPACKET socketpair; vmm keeps one end, the process inherits the
// other as fd 3. One datagram is one message; fds travel beside it as SCM_RIGHTS (at most
// kMaxFds; blobs reach vmm this way).
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
// Payload fields are u32s, u64s and strings; a string is a u16 byte count (<= kMaxString)
// and the bytes, not NUL-terminated. A payload with bytes left over after its last field, or
// too few for it, is refused whole.
//
// Bulk data does not travel in messages: vmm shares two kinds of memory with the process
// once (Attach), and calls name places in them.
//   - the staging area: a memfd of kStagingBytes that vmm writes a call's input into (a
//     command stream, a page list) and reads a call's output from (capset bytes, retired
//     fences, a transfer into host memory), at offset 0, `staged` bytes long;
//   - guest RAM: one memfd per RAM range (GuestMemory::shareable), which is what virgl's
//     iovecs point into. A page list is `staged` bytes of PageRef records, 24 bytes each:
//     u64 range (an index into Attach's ranges, or kStagingRange), u64 offset, u64 length.
//
// Requests (vmm -> process), each answered by exactly one reply of the same exchange:
//   Hello      empty                          -> HelloReply
//   Shutdown   empty                          -> ShutdownReply, then the process exits 0
//   Attach     u64 staging_bytes, u32 range_count (<= kMaxRamRanges), per range u64 size;
//              fds: the staging memfd, then each range's memfd       -> AttachReply
//   Call       u32 op (CallOp), u32 arg_count (<= kMaxCallArgs), arg_count u64s, str text,
//              u64 staged                    -> CallReply
// Replies (process -> vmm):
//   HelloReply    u32 protocol_version, str virglrenderer_version, str version_source,
//                 str library (the file dlopen loaded), u32 contexts (ContextBit),
//                 u32 venus_wire_format, str virgl_description, str notes (why a context
//                 is missing; "" when none), u32 capset_count (<= kMaxCapsets), then per
//                 capset u32 id, u32 max_version, u32 max_size
//   ShutdownReply empty
//   AttachReply   empty
//   CallReply     u32 rc (an int: 0 or -errno, as GpuRenderer's calls return), u32 value_count
//                 (<= kMaxCallArgs), value_count u64s, u64 staged; fds: MapBlob's one
//   Error         u32 code (ErrorCode), str message: the request could not be served
#pragma once

#include <cstddef>
#include <cstdint>

namespace vmm::gpu::process {

inline constexpr std::uint32_t kMagic = 0x55504756;  // "VGPU" in memory order
inline constexpr std::uint16_t kProtocolVersion = 2;
inline constexpr std::size_t kHeaderBytes = 12;
inline constexpr std::size_t kMaxPayload = 16 * 1024;
inline constexpr std::size_t kMaxMessage = kHeaderBytes + kMaxPayload;
inline constexpr std::size_t kMaxString = 1024;
inline constexpr std::size_t kMaxCapsets = 16;
inline constexpr std::size_t kMaxFds = 8;  // Attach: the staging area and kMaxRamRanges
inline constexpr std::size_t kMaxCallArgs = 16;
inline constexpr std::size_t kMaxRamRanges = 4;
// The staging area: the largest thing staged is a SUBMIT_3D stream (16 MiB, gpu_limits.h);
// the largest page list, 65536 entries, is 1.5 MiB.
inline constexpr std::uint64_t kStagingBytes = 17ull << 20;
inline constexpr std::size_t kPageRefBytes = 24;
inline constexpr std::uint64_t kStagingRange = ~0ull;  // a PageRef into the staging area
// A retired fence in Poll's staged output: u64 ctx, u64 ring, u64 fence, u64 per_context.
inline constexpr std::size_t kFenceRecordBytes = 32;
// The fd number the process finds its end of the socketpair at.
inline constexpr int kChannelFd = 3;

enum class MessageType : std::uint16_t {
  Hello = 1,
  Shutdown = 2,
  Attach = 3,
  Call = 4,
  HelloReply = 0x8001,
  ShutdownReply = 0x8002,
  AttachReply = 0x8003,
  CallReply = 0x8004,
  Error = 0x80ff,
};

// One per GpuRenderer call (gpu_renderer.h), its u64 arguments in the order listed.
enum class CallOp : std::uint32_t {
  Capset = 1,            // id, version -> staged: the capset's bytes
  CreateContext = 2,     // ctx, capset_id; text: the name
  DestroyContext = 3,    // ctx
  AttachResource = 4,    // ctx, resource
  DetachResource = 5,    // ctx, resource
  Submit = 6,            // ctx; staged: the command stream (a multiple of 4 bytes)
  CreateResource3d = 7,  // resource, target, format, bind, width, height, depth,
                         // array_size, last_level, nr_samples, flags
  CreateBlob = 8,        // resource, ctx, blob_mem, blob_flags, blob_id, size; staged: pages
  UnrefResource = 9,     // resource
  AttachBacking = 10,    // resource; staged: pages
  DetachBacking = 11,    // resource
  TransferToHost = 12,   // resource, ctx, level, stride, layer_stride, x, y, z, w, h, d, offset
  TransferFromHost = 13, // the same; staged: pages to read into (none: the attached backing)
  MapBlob = 14,          // resource -> fd, values: size, map_info (or -errno as a u64),
                         //    byte offset of the blob in the fd's file (any: lavapipe's
                         //    opaque memfd starts with a header page)
  UnmapBlob = 15,        // resource
  MapInfo = 16,          // resource -> rc: the VIRTIO_GPU_MAP_CACHE_* or -errno
  CreateFence = 17,      // ctx, ring, fence, per_context
  Poll = 18,             // -> values: count, resident bytes (the process's and its
                         //    children's VmRSS); staged: count fence records
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
