// What a guest request will make a renderer hold, worked out before the renderer sees it, so
// the device can charge it against VirtioGpuConfig::renderer_memory_limit and refuse what
// would pass the limit (ERR_OUT_OF_MEMORY) instead of finding out from the host's OOM killer.
//
// Two ways a guest makes virglrenderer allocate a resource: RESOURCE_CREATE_3D, and a
// PIPE_RESOURCE_CREATE inside a SUBMIT_3D's virgl command stream (Mesa's virgl driver does
// that for every blob-backed GL buffer: the resource waits in the context under a blob id
// until RESOURCE_CREATE_BLOB claims it, or for ever). Both are charged the same upper bound.
//
// The stream format is virglrenderer's src/virgl_protocol.h: each command is a header dword
// (command in bits 0-7, object type in bits 8-15, payload length in dwords in bits 16-31)
// then its payload. Venus streams are another protocol and are not scanned here.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace vmm::gpu {

// A resource's size as the guest describes it (RESOURCE_CREATE_3D or PIPE_RESOURCE_CREATE).
struct ResourceShape {
  std::uint32_t target, width, height, depth, array_size, last_level, nr_samples;
};

// An upper bound of the bytes a renderer allocates for `shape`: a buffer (PIPE_BUFFER) its
// width in bytes; a texture 16 bytes per texel (the widest format, R32G32B32A32) times
// every layer and sample, x2 when it has mip levels (a full mip chain adds under 1/3).
// Saturates at UINT64_MAX: five guest u32s multiplied cannot wrap to a small charge.
std::uint64_t renderer_resource_bytes(const ResourceShape& shape);

// What one virgl stream makes the renderer allocate.
struct VirglStreamCharge {
  struct Resource {
    std::uint32_t blob_id;  // 0: none (SET_TYPE'd later, or never claimed)
    std::uint64_t bytes;    // renderer_resource_bytes
  };
  std::vector<Resource> resources;   // PIPE_RESOURCE_CREATE, in stream order
  std::uint64_t bytes = 0;           // their sum, saturating
  std::uint32_t object_creates = 0;  // CREATE_OBJECT and CREATE_SUB_CTX commands
};

// Limits on one stream, beyond which it is refused whole (a real driver sends a few
// resources and a few hundred objects per submission; a stream of 16 MiB could otherwise
// hold 350,000 resource creates).
inline constexpr std::uint32_t kMaxStreamResourceCreates = 256;
inline constexpr std::uint32_t kMaxStreamObjectCreates = 16384;

// The charge of `words`, or one line saying why the stream is refused: a command whose
// payload runs past the end (virglrenderer would run the commands before it, so the device
// refuses the stream rather than charge a prefix), a PIPE_RESOURCE_CREATE whose length is
// not its 11 dwords, more creates than the limits above.
std::variant<VirglStreamCharge, std::string> scan_virgl_stream(std::span<const std::uint32_t> words);

}  // namespace vmm::gpu
