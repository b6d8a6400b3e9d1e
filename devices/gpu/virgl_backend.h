// VirglBackend: the virtio-gpu backend over a 3D renderer (gpu::GpuRenderer: virglrenderer,
// or a fake in tests). Contexts live in the renderer, SUBMIT_3D reaches it after its virgl
// stream was charged (renderer_charge.h), RESOURCE_CREATE_3D, TRANSFER_{TO,FROM}_HOST_3D and
// every blob are its, the capsets are its, fenced responses wait for its fences, and a
// memory guard destroys every context when the process passes its bound. MAP_BLOB maps the
// renderer's memory with a lease that unmaps it in the renderer when the slot lets go.
//
// Threads: made on any thread, but started, used and stopped on the device's render thread
// only (threaded()), with the device's mutex_ held; the renderer is never touched elsewhere.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "devices/gpu/gpu_backend.h"
#include "devices/gpu/renderer_memory_guard.h"
#include "devices/gpu/renderer_stats.h"
#include "devices/gpu/renderer/gpu_renderer.h"

namespace vmm {

// Creates the renderer, on the render thread; nullptr with one line in *error.
using RendererFactory = std::function<std::unique_ptr<gpu::GpuRenderer>(
    gpu::GpuRenderer::FenceRetired on_fence, std::string* error)>;

namespace gpu {

class VirglBackend final : public GpuBackend {
 public:
  // `device` must outlive the backend. `guest_ram` and `memory_limit` (the charges' bound,
  // --gpu-renderer-memory) set the memory guard's bound.
  VirglBackend(BackendDevice& device, RendererFactory make_renderer, std::uint64_t guest_ram,
               std::uint64_t memory_limit);

  bool threaded() const override { return true; }
  std::string start() override;
  int poll_fd() const override { return renderer_ ? renderer_->poll_fd() : -1; }
  void poll() override;
  void stop() override;
  bool retires_fences() const override { return true; }
  bool create_fence(std::uint32_t ctx, std::uint32_t ring, std::uint64_t fence, bool per_context) override;
  void after_command(std::uint32_t command, GpuReply& reply) override;
  std::optional<RendererStats> renderer_stats() const override;
  int memory_fd() const override { return memory_guard_ ? memory_guard_->fd() : -1; }

  std::uint64_t extra_features() const override { return 1ull << kFeatureContextInit; }
  std::uint32_t capset_count() const override { return static_cast<std::uint32_t>(capsets_.size()); }
  std::size_t max_contexts() const override;

  GpuReply capset_info(const GetCapsetInfoCmd& c) override;
  GpuReply capset(const GetCapsetCmd& c) override;
  GpuReply create_context(std::uint32_t ctx, std::uint32_t context_init, const std::string& name) override;
  void destroy_context(std::uint32_t ctx) override;
  void attach_resource(std::uint32_t ctx, const GpuResource& res, bool attach) override;
  GpuReply submit_3d(const Submit3dCmd& c, const GpuRequest& req) override;
  GpuReply create_3d(const ResourceCreate3dCmd& c) override;
  GpuReply transfer_3d(std::uint32_t command, const Transfer3d& wire, bool to_host) override;
  GpuReply create_blob(const ResourceCreateBlob& cmd, const GpuRequest& req) override;
  bool host_memory_blob(const GpuResource& res) const override {
    return res.kind == ResourceKind::RendererBlob && res.renderer_bytes != 0;
  }
  std::variant<GpuReply, BlobSource> map_blob(GpuResource& res) override;
  void blob_mapped(const BlobCacheDecision& decision) override;
  GpuReply attach_backing(GpuResource& res, const BackingStore& store) override;
  void detach_backing(GpuResource& res) override;
  std::vector<std::uint8_t> read_back(const GpuResource& res) override;
  void forget(const GpuResource&) override {}  // its hold gives it back (renderer_hold.h)
  void clear() override;

 private:
  // What the renderer holds for one of the guest's contexts beyond its resources.
  struct Context {
    std::uint32_t capset = 0;  // 0 (virgl's default), VIRGL, VIRGL2, VENUS
    // PIPE_RESOURCE_CREATEs of its streams not yet claimed by a CREATE_BLOB: blob id ->
    // charge. virglrenderer frees them with the context.
    std::multimap<std::uint64_t, std::uint64_t> unclaimed;
    std::uint64_t unclaimed_bytes = 0;
  };

  // Renderer memory charged to the guest (limit: memory_limit_). charge() is false,
  // charging nothing, when `bytes` more would pass the limit.
  bool charge(std::uint64_t bytes);
  void uncharge(std::uint64_t bytes);
  // Destroys a context in the renderer with what it holds there.
  void destroy(std::uint32_t ctx);
  GpuReply failed(std::uint32_t command, const std::string& what, int rc);
  // The capset of the context CTX (CREATE_BLOB's), by name ("VENUS"); "" for none or a
  // context that is gone.
  std::string blob_context_name(std::uint32_t ctx) const;
  // What a RendererHold does when its last holder lets go: gives the renderer back the
  // resource, and the guest back its charge of `bytes`.
  RendererHold::GiveBack give_back(std::uint64_t bytes, bool host_blob);

  BackendDevice& device_;
  RendererFactory make_renderer_;
  const std::uint64_t guest_ram_;
  const std::uint64_t memory_limit_;
  // Shared only so that a RendererHold or a lease can tell, through a weak_ptr, whether it is
  // still there.
  std::shared_ptr<GpuRenderer> renderer_;
  std::vector<CapsetInfo> capsets_;  // fixed once the renderer is up, before the guest runs
  RendererStats stats_;
  std::uint64_t charged_ = 0;
  std::map<std::uint32_t, Context> contexts_;  // same keys as the device's contexts()
  std::uint32_t host_blobs_ = 0;               // live renderer host blobs
  std::unique_ptr<RendererMemoryGuard> memory_guard_;  // made with the renderer
};

}  // namespace gpu
}  // namespace vmm
