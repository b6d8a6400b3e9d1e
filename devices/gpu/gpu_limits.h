// How much a guest may make the virtio-gpu device allocate. Requests beyond these are
// answered VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY: the guest asked for more than this device
// will hold, even though the request itself is well formed.
#pragma once

#include <cstdint>

namespace vmm::gpu::limits {

inline constexpr std::uint32_t kMaxResources = 4096;       // live resources of all kinds
inline constexpr std::uint32_t kMaxDimension = 16384;      // 2D width or height, in pixels
inline constexpr std::uint64_t kMaxImageBytes = 256ull << 20;       // one 2D host image
inline constexpr std::uint64_t kMaxTotalImageBytes = 1ull << 30;    // all 2D host images
inline constexpr std::uint32_t kMaxBackingEntries = 65536;  // per ATTACH_BACKING/CREATE_BLOB
// All live backings together (2D resources and guest blobs): 262144 entries cover 1 GiB of
// scattered 4 KiB guest pages and hold 24 bytes of host memory each, 6 MiB in all.
inline constexpr std::uint32_t kMaxTotalBackingEntries = 262144;
// Live HOST3D blobs, each a memfd: vmm raises its open-file limit to hold them
// (kFdsBesideHostBlobs more for everything else), so the guest's blob count, not the
// shell's ulimit, is what is bounded. 4096 is the scale the benchmarks measure map cost at.
inline constexpr std::uint32_t kMaxHostBlobs = 4096;
inline constexpr std::uint32_t kFdsBesideHostBlobs = 256;
inline constexpr std::uint64_t kHostBlobBytesPerRegion = 4;  // all HOST3D blobs together may
                                                             // hold 4x the region's size
inline constexpr std::uint32_t kMaxContexts = 1024;
// With a renderer. Its resources live in the renderer's memory, which the device cannot
// see, so each RESOURCE_CREATE_3D is charged an upper bound (16 bytes per texel, every
// layer, x2 for mip levels) and blobs their size; all together may not pass this.
inline constexpr std::uint64_t kMaxRendererBytes = 4ull << 30;
// Contexts with a renderer: each is a GL context (virgl) or a Vulkan instance, device and
// ring thread (Venus) in the renderer, megabytes apiece, so far fewer than kMaxContexts.
inline constexpr std::uint32_t kMaxRendererContexts = 64;
inline constexpr std::uint32_t kMaxSubmitBytes = 16u << 20;  // one SUBMIT_3D command stream
inline constexpr std::uint32_t kMaxCapsetBytes = 64u << 10;  // one GET_CAPSET answer
// Fenced responses held until the renderer retires their fence: at most one per chain the
// guest can have outstanding, so the queue size bounds them; this bounds them again.
inline constexpr std::uint32_t kMaxPendingFences = 1024;

}  // namespace vmm::gpu::limits
