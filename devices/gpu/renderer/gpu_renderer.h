// GpuRenderer: what the virtio-gpu device asks of a 3D renderer (virglrenderer today), in
// the device's own terms, so devices/gpu never includes a renderer's headers and its unit
// tests can stand in a fake. Every call is made on the render thread (RenderThread), the
// thread that created the renderer: GL contexts are bound to the thread that made them.
//
// Return values follow the C renderer: 0 for success, a negative errno otherwise; the
// device answers the guest with the protocol's error for any failure and logs the code.
#pragma once

#include <sys/uio.h>

#include <cerrno>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vmm::gpu {

struct CapsetInfo {
  std::uint32_t id;           // VIRTIO_GPU_CAPSET_* (1 VIRGL, 2 VIRGL2, 4 VENUS)
  std::uint32_t max_version;
  std::uint32_t max_size;     // bytes GET_CAPSET answers with
};

// RESOURCE_CREATE_3D's fields, as the guest sent them.
struct Resource3dArgs {
  std::uint32_t resource_id, target, format, bind, width, height, depth, array_size,
      last_level, nr_samples, flags;
};

// A transfer box and where in the guest backing it starts (TRANSFER_{TO,FROM}_HOST_3D).
struct TransferArgs {
  std::uint32_t resource_id, ctx_id, level, stride, layer_stride;
  std::uint32_t x, y, z, w, h, d;
  std::uint64_t offset;
};

struct BlobArgs {
  std::uint32_t resource_id, ctx_id, blob_mem, blob_flags;
  std::uint64_t blob_id, size;
  std::span<const iovec> guest_pages;  // GUEST / HOST3D_GUEST blobs: the guest's backing
};

// A renderer blob mapped into vmm's address space: the pointer stays valid until
// unmap_blob() or unref_resource() of the same resource, and not a moment longer.
struct RendererMapping {
  std::uint8_t* data = nullptr;
  std::uint64_t size = 0;
};

// Where a renderer runs beside vmm, for the report (a renderer in vmm itself has none).
struct RendererProcessState {
  int pid = -1;
  std::string state;                 // "serving", or how and why it ended
  std::uint64_t resident_bytes = 0;  // VmRSS of the process and its children (the render
                                     // server), now; 0 once it is gone
};

class GpuRenderer {
 public:
  // A fence the renderer finished: `ring` is meaningful only for per-context fences.
  using FenceRetired = std::function<void(std::uint32_t ctx_id, std::uint32_t ring,
                                          std::uint64_t fence_id, bool per_context)>;

  virtual ~GpuRenderer() = default;

  // What it runs on, for start-up lines and the report: "virglrenderer 0.10.4: virgl on
  // EGL surfaceless (llvmpipe (LLVM 15.0.6, 256 bits))".
  virtual std::string description() const = 0;
  virtual std::vector<CapsetInfo> capsets() const = 0;
  // The capset's bytes for `version`; empty when it has no such capset.
  virtual std::vector<std::uint8_t> capset(std::uint32_t id, std::uint32_t version) = 0;

  // capset_id 0: the renderer's default context type (virgl).
  virtual int create_context(std::uint32_t ctx_id, std::uint32_t capset_id, std::string_view name) = 0;
  virtual void destroy_context(std::uint32_t ctx_id) = 0;
  virtual void attach_resource(std::uint32_t ctx_id, std::uint32_t resource_id) = 0;
  virtual void detach_resource(std::uint32_t ctx_id, std::uint32_t resource_id) = 0;
  // `commands` is the guest's command stream, copied out of guest memory by the device.
  virtual int submit(std::uint32_t ctx_id, std::span<const std::uint32_t> commands) = 0;

  virtual int create_resource_3d(const Resource3dArgs& args) = 0;
  virtual int create_blob(const BlobArgs& args) = 0;
  virtual void unref_resource(std::uint32_t resource_id) = 0;
  // The guest pages behind a resource; they must stay mapped until detach or unref.
  virtual int attach_backing(std::uint32_t resource_id, std::span<const iovec> pages) = 0;
  virtual void detach_backing(std::uint32_t resource_id) = 0;
  virtual int transfer_to_host(const TransferArgs& args) = 0;
  // With `into` empty, into the resource's attached backing; else into those host buffers.
  virtual int transfer_from_host(const TransferArgs& args, std::span<const iovec> into = {}) = 0;

  virtual int map_blob(std::uint32_t resource_id, RendererMapping* out) = 0;
  virtual int unmap_blob(std::uint32_t resource_id) = 0;
  // The VIRTIO_GPU_MAP_CACHE_* the renderer reports for a mapped blob; negative when it
  // reports none (virglrenderer cannot always infer one: llvmpipe, unknown GPU vendors).
  virtual int map_info(std::uint32_t resource_id) = 0;
  // The blob's memory as an fd another process can map with mmap (vmm-gpu-process hands it
  // to vmm over its socket); the caller owns *fd. *dma_buf: whether it is a dma-buf, which
  // is the buffer itself (the blob starts at its offset 0); any other kind (a memfd, a
  // driver's opaque fd) may hold the blob further in, where only the renderer's own
  // mapping of it tells. -ENOTSUP where the renderer cannot share it that way.
  virtual int export_blob(std::uint32_t /*resource_id*/, int* /*fd*/, bool* /*dma_buf*/) { return -ENOTSUP; }

  // Fences: per_context (FLAG_INFO_RING_IDX) fences retire per (ctx, ring) timeline, the
  // others on one global timeline. Retired fences are reported through the callback given
  // at creation, from inside poll().
  virtual int create_fence(std::uint32_t ctx_id, std::uint32_t ring, std::uint64_t fence_id,
                           bool per_context) = 0;
  virtual void poll() = 0;
  // An fd that becomes readable when fences may have retired, or -1 (then poll on a timer).
  virtual int poll_fd() const = 0;
  virtual std::optional<RendererProcessState> process_state() const { return std::nullopt; }
};

}  // namespace vmm::gpu
