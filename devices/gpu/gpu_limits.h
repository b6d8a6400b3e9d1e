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
// With a renderer, its memory is bounded by VirtioGpuConfig::renderer_memory_limit
// (--gpu-renderer-memory, default 1 GiB): see renderer_charge.h and renderer_memory_guard.h.
// Unclaimed PIPE_RESOURCE_CREATEs one context may hold (each is bookkeeping here).
inline constexpr std::uint32_t kMaxUnclaimedStreamResources = 4096;
// Contexts with a renderer: each is a GL context (virgl) or a Vulkan instance, device and
// ring thread (Venus) in the renderer, megabytes apiece, so far fewer than kMaxContexts.
inline constexpr std::uint32_t kMaxRendererContexts = 64;
inline constexpr std::uint32_t kMaxSubmitBytes = 16u << 20;  // one SUBMIT_3D command stream
inline constexpr std::uint32_t kMaxCapsetBytes = 64u << 10;  // one GET_CAPSET answer
// Fenced responses held until the renderer retires their fence: at most one per chain head
// the guest can have outstanding (a head already held is refused as a bad chain), so the
// control queue's size (256) bounds them; this bounds them again. Each keeps only the
// writable buffers its response fills, at most kMaxHeldWritableBuffers of them (a response
// needing more is cut short, as a too small buffer is): 1024 x 16 x 16 bytes of descriptors
// plus the responses themselves (64 KiB at most, a capset).
inline constexpr std::uint32_t kMaxPendingFences = 1024;
inline constexpr std::uint32_t kMaxHeldWritableBuffers = 16;

}  // namespace vmm::gpu::limits
