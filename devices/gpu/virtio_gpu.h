// VirtioGpu: the virtio-gpu device (virtio 1.2 §5.7, device id 16) over one backend
// (gpu_backend.h), chosen by VirtioGpuConfig::renderer: BuiltinBackend without a renderer,
// VirglBackend with one.
//
// The device keeps the queues, the decoding (gpu_command.h: one command table), the fenced
// responses, the typed responses (gpu_reply.h), the resource and context tables, the
// host-visible region, 2D resources, the scanout and the cursor. 2D stays the device's for
// both backends because it is guest pages copied into a host image, the same whichever
// backend renders (and Linux needs it for the console either way); only a 3D scanout's
// pixels come from the backend (read back at RESOURCE_FLUSH). The backend does the rest:
// contexts beyond their bookkeeping, SUBMIT_3D, capsets, 3D resources and transfers, every
// blob; for MAP_BLOB it gives the blob's host memory, its lease and what its producer said
// about caching, and the device calls decide_blob_cache() once and maps it.
//
// With VirglBackend: VIRTIO_GPU_F_CONTEXT_INIT is offered too, the capsets are the renderer's,
// and the blob slot's MemCacheType follows the renderer's map_info (unless --gpu-blob-cache
// or --gpu-memslot-cache override it; the memslot's CacheTypeReason says which decided). All
// of that runs on the RenderThread: the vCPU only wakes it. A fenced command's response is
// held until the backend retires its fence.
//
// With BuiltinBackend:
// Queues: control (0) and cursor (1). Features offered: VIRTIO_GPU_F_VIRGL (Linux creates
// host-memory blobs only with it; contexts are bookkeeping and SUBMIT_3D is answered
// ERR_UNSPEC) and VIRTIO_GPU_F_RESOURCE_BLOB. num_capsets is 0: Linux 6.1 needs no capset
// to create or map HOST3D blobs, so GET_CAPSET_INFO/GET_CAPSET are answered ERR_UNSPEC.
//
// 2D: resources with a host shadow image, guest backing pages, TRANSFER_TO_HOST_2D copies
// backing -> image, one scanout whose image write_scanout_png() saves. Blobs: GUEST blobs
// (guest pages, never mappable) and HOST3D blobs (a memfd each) that MAP_BLOB puts into the
// host-visible shared memory region (id 1) through the MemoryMapper, with the MemCacheType
// their map_info implies (see HostVisibleRegion for the two mapping modes).
//
// Every guest request is checked; a bad one is answered with an error and counted, never
// thrown. How each case is answered:
//   ERR_UNSPEC             request shorter than its struct (or than its trailing entries),
//                          unknown or unsupported command (3D, capsets, EDID, UUID,
//                          SET_SCANOUT_BLOB, SUBMIT_3D), a blob or context command whose
//                          feature was not negotiated, MAP_BLOB before the region has a
//                          guest address, the mapper refusing a memslot.
//   ERR_OUT_OF_MEMORY      beyond gpu_limits.h (resource count, image size, backing
//                          entries, HOST3D blob count/bytes, contexts) or a host allocation
//                          failed.
//   ERR_INVALID_SCANOUT_ID scanout id >= 1 (SET_SCANOUT, cursor).
//   ERR_INVALID_RESOURCE_ID resource id 0 or unknown, or CREATE of an id in use.
//   ERR_INVALID_CONTEXT_ID context id 0, unknown, or CTX_CREATE of an id in use.
//   ERR_INVALID_PARAMETER  a value that cannot be right: zero size, unknown format or
//                          blob_mem, rectangle outside the resource, transfer beyond the
//                          backing, backing entry outside RAM, wrong resource kind for the
//                          command, backing already attached / not attached, map offset
//                          misaligned / out of the region / overlapping, blob not mappable,
//                          already mapped (MAP) or not mapped (UNMAP), resource not attached
//                          (CTX_DETACH_RESOURCE).
// Commands complete synchronously; with VIRTIO_GPU_FLAG_FENCE the response carries the flag,
// fence_id and ctx_id (and ring_idx with FLAG_INFO_RING_IDX), errors included.
//
// Thread safety: one mutex guards the device; queue notifications, BAR moves, reset and the
// accessors may come from different threads. With a threaded backend the render thread holds
// that mutex through backend calls, so what a vCPU does must not take it: the config space
// (events_read) and the interrupt are atomics, a BAR move takes only the region's own mutex,
// and activate() leaves the new queues for the render thread to pick up. reset() and the
// destructor do wait for the render thread to finish its round (they must tear down the
// backend's state on its thread). Backends are called with mutex_ held, map_blob() with
// region_mutex_ too.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "devices/gpu/gpu_backend.h"
#include "devices/gpu/gpu_backend_choice.h"
#include "devices/gpu/gpu_command.h"
#include "devices/gpu/gpu_reply.h"
#include "devices/gpu/gpu_resource.h"
#include "devices/gpu/host_visible_region.h"
#include "devices/gpu/render_thread.h"
#include "devices/gpu/renderer_stats.h"
#include "devices/gpu/virtio_gpu_config.h"
#include "devices/gpu/virtio_gpu_protocol.h"
#include "devices/virtio/virtio_device.h"
#include "memory/guest_memory.h"
#include "memory/memory_mapper.h"

namespace vmm {


struct VirtioGpuStats {
  std::uint64_t commands = 0;         // requests answered, both queues
  std::uint64_t errors = 0;           // of which with an ERR_* response
  std::uint64_t bad_chains = 0;       // chains the virtqueue refused (returned with 0 bytes)
  std::uint64_t short_responses = 0;  // responses cut short by a too small writable part
  std::uint64_t flushes = 0;          // RESOURCE_FLUSH answered OK
  std::map<std::uint32_t, std::uint64_t> responses;  // response type -> count
};

struct ScanoutState {
  std::uint32_t resource_id;
  gpu::Rect rect;
};

class VirtioGpu : public VirtioDevice, private gpu::BackendDevice {
 public:
  // `memory` and `mapper` must outlive the device. Throws std::invalid_argument for a
  // config that validate() refuses, std::runtime_error (one line: what is missing) when
  // config.renderer asks for a renderer that `make_renderer` cannot create.
  VirtioGpu(const GuestMemory& memory, MemoryMapper& mapper, VirtioGpuConfig config,
            RendererFactory make_renderer = {});
  ~VirtioGpu() override;

  // VirtioDevice.
  std::uint16_t device_id() const override { return gpu::kDeviceId; }
  std::uint64_t device_features() const override;
  std::vector<std::uint16_t> queue_max_sizes() const override;
  void read_config(std::uint64_t offset, std::span<std::uint8_t> data) override;
  void write_config(std::uint64_t offset, std::span<const std::uint8_t> data) override;
  std::vector<SharedMemoryRegionInfo> shared_memory_regions() const override;
  void set_shared_memory_base(std::uint8_t id, std::uint64_t guest_addr) override;
  void activate(std::uint64_t negotiated_features, std::vector<Virtqueue*> queues,
                VirtioInterrupt& interrupt) override;
  void notify_queue(std::uint16_t queue_index) override;
  void reset() override;

  // Saves the scanout's rectangle of its resource's host image as a PNG (RGB for the X
  // formats, RGBA for the alpha ones). False when no scanout is set or the file cannot be
  // written; the reason goes to *error when given, else to the log.
  bool write_scanout_png(const std::string& path, std::string* error = nullptr) const;

  // Asks the driver to re-read the display info (sets VIRTIO_GPU_EVENT_DISPLAY in
  // events_read and signals a config change).
  void notify_display_change();

  // For tests and the VMM's reports.
  const VirtioGpuConfig& config() const { return config_; }
  std::optional<RendererStats> renderer_stats() const;  // nullopt from the built-in backend
  // Runs `task` on the render thread and waits for it (seccomp confines that thread this
  // way); false, without running it, when there is no render thread.
  bool run_on_render_thread(const std::function<void()>& task);
  // The fd the render thread reads its process's memory from (pread64), -1 without one.
  int renderer_memory_fd() const { return backend_->memory_fd(); }
  VirtioGpuStats stats() const;
  std::optional<ScanoutState> scanout() const;
  std::size_t resource_count() const;
  // A 2D resource's host image, raw in its format (width * 4 bytes per row).
  std::optional<std::vector<std::uint8_t>> resource_image(std::uint32_t resource_id) const;
  // A HOST3D blob's host memory (what the guest sees when it is mapped), and its FNV-1a-32.
  std::optional<std::vector<std::uint8_t>> blob_bytes(std::uint32_t resource_id) const;
  std::optional<std::uint32_t> blob_fnv1a32(std::uint32_t resource_id) const;
  // Writes into a HOST3D blob's host memory, as a host-side renderer would; false for an
  // unknown resource or a range outside the blob.
  bool write_blob_bytes(std::uint32_t resource_id, std::uint64_t offset,
                        std::span<const std::uint8_t> bytes);
  bool blob_mapped(std::uint32_t resource_id) const;
  // Resources attached to a context; nullopt for an unknown context.
  std::optional<std::set<std::uint32_t>> context_resources(std::uint32_t ctx_id) const;

 private:
  // A response before its header is filled in: the type and the bytes after the header.
  using Reply = gpu::GpuReply;

  // A fenced response waiting for its fence (threaded backend only). `chain` keeps only the head and
  // the writable buffers the response fills (kMaxHeldWritableBuffers at most), not the
  // request's readable part: a held response costs a bounded amount of memory, whatever
  // the guest's chain (an indirect table may have 32,768 descriptors).
  struct PendingFence {
    std::uint16_t queue_index;
    DescriptorChain chain;
    std::vector<std::uint8_t> response;
    std::uint32_t ctx_id;
    std::uint32_t ring;
    std::uint64_t fence_id;  // per-context: the guest's; global: last_global_fence_'s
    bool per_context;
  };

  // An activation the render thread applies before its next round (threaded backend only), so the
  // vCPU that activates never waits for a render in progress.
  struct Activation {
    std::uint64_t features;
    std::vector<Virtqueue*> queues;
    VirtioInterrupt* interrupt;
  };

  void apply_activation(Activation activation);  // mutex_ held
  void process_queue(std::uint16_t queue_index, bool& notify);
  // The bytes written, or nullopt when the response waits in pending_fences_.
  std::optional<std::uint32_t> process_chain(std::uint16_t queue_index, const DescriptorChain& chain);
  std::uint32_t write_response(std::uint16_t queue_index, const DescriptorChain& chain,
                               std::span<const std::uint8_t> bytes);
  // Render thread: one round of queue work and fence polling; true while fences are out.
  bool render_round();
  void release_retired(bool& notify0, bool& notify1);  // mutex_ held
  // Answers every held response of per-context fences of `ctx` now (its context is gone,
  // so its timeline will never retire them), and forgets the timeline. mutex_ held.
  void release_context_fences(std::uint32_t ctx, bool& notify0, bool& notify1);
  // A threaded backend's render thread: started with the backend on it, stopped after the
  // device's state and the backend went on it.
  void start_render_thread();
  void stop_render_thread();
  // Decodes the request (gpu_command.h) and hands the typed command to its handler.
  Reply dispatch(std::uint16_t queue_index, const gpu::CtrlHdr& hdr, const gpu::GpuRequest& req);
  // Logs why `command` failed and answers `type`.
  Reply fail(std::uint32_t type, std::uint32_t command, const std::string& why) override;
  // The answer to a map or unmap the host-visible region refused, whichever backend asked:
  // the guest's mistake is INVALID_PARAMETER, a host failure UNSPEC (and a warning).
  Reply region_refused(std::uint32_t command, std::uint32_t resource_id,
                       const gpu::HostVisibleRegion::Result& result);
  // gpu::BackendDevice, for backend_.
  std::map<std::uint32_t, gpu::GpuResource>& resources() override { return resources_; }
  std::map<std::uint32_t, std::set<std::uint32_t>>& contexts() override { return contexts_; }
  void context_gone(std::uint32_t ctx) override;
  void fence_retired(std::uint32_t ctx_id, std::uint32_t ring, std::uint64_t fence_id,
                     bool per_context) override;
  const GuestMemory& guest_memory() const override { return memory_; }
  bool negotiated(unsigned feature) const { return (features_ >> feature) & 1; }
  void clear_state();  // unmaps and frees everything; mutex_ held
  gpu::GpuResource* find_resource(std::uint32_t id);
  void forget_resource(std::uint32_t id);  // drops it from scanout and contexts, then frees

  // One handler per command; the request is there for trailing entries only. A handler
  // that takes a GpuResource& is for a command on an existing resource: dispatch() looks
  // it up first and answers ERR_INVALID_RESOURCE_ID for an unknown one.
  // 2D and cursor (virtio_gpu_2d.cc).
  Reply handle(const gpu::GetDisplayInfoCmd& c, const gpu::GpuRequest& req);
  Reply handle(const gpu::ResourceCreate2dCmd& c, const gpu::GpuRequest& req);
  Reply handle(const gpu::ResourceUnrefCmd& c, gpu::GpuResource& res, const gpu::GpuRequest& req);
  Reply handle(const gpu::SetScanoutCmd& c, const gpu::GpuRequest& req);  // id 0: no scanout
  Reply handle(const gpu::ResourceFlushCmd& c, gpu::GpuResource& res, const gpu::GpuRequest& req);
  Reply handle(const gpu::TransferToHost2dCmd& c, gpu::GpuResource& res, const gpu::GpuRequest& req);
  Reply handle(const gpu::AttachBackingCmd& c, gpu::GpuResource& res, const gpu::GpuRequest& req);
  Reply handle(const gpu::DetachBackingCmd& c, gpu::GpuResource& res, const gpu::GpuRequest& req);
  Reply handle(const gpu::UpdateCursorCmd& c, const gpu::GpuRequest& req);
  Reply handle(const gpu::MoveCursorCmd& c, const gpu::GpuRequest& req);
  // Reads and validates `count` MemEntry at `offset`; nullopt with the Reply in *reply.
  std::optional<gpu::BackingStore> read_backing(const gpu::GpuRequest& req,
                                                std::uint64_t offset, std::uint32_t count,
                                                std::uint32_t command, Reply* reply) override;
  std::uint64_t backing_entries_in_use() const;  // over all resources; mutex_ held
  // Blobs (virtio_gpu_blob.cc).
  Reply handle(const gpu::CreateBlobCmd& c, const gpu::GpuRequest& req);
  Reply handle(const gpu::MapBlobCmd& c, gpu::GpuResource& res, const gpu::GpuRequest& req);
  Reply handle(const gpu::UnmapBlobCmd& c, gpu::GpuResource& res, const gpu::GpuRequest& req);
  // Contexts and 3D (virtio_gpu_context.cc).
  Reply handle(const gpu::CtxCreateCmd& c, const gpu::GpuRequest& req);
  Reply handle(const gpu::CtxDestroyCmd& c, const gpu::GpuRequest& req);
  Reply handle(const gpu::CtxAttachCmd& c, const gpu::GpuRequest& req);
  Reply handle(const gpu::CtxDetachCmd& c, const gpu::GpuRequest& req);
  Reply attach_detach(std::uint32_t command, const gpu::ResourceIdCmd& cmd, bool attach);
  Reply handle(const gpu::Submit3dCmd& c, const gpu::GpuRequest& req);
  // Capsets, 3D resources and transfers: the backend's (virtio_gpu_context.cc).
  Reply handle(const gpu::GetCapsetInfoCmd& c, const gpu::GpuRequest& req);
  Reply handle(const gpu::GetCapsetCmd& c, const gpu::GpuRequest& req);
  Reply handle(const gpu::ResourceCreate3dCmd& c, const gpu::GpuRequest& req);
  Reply handle(const gpu::TransferToHost3dCmd& c, const gpu::GpuRequest& req);
  Reply handle(const gpu::TransferFromHost3dCmd& c, const gpu::GpuRequest& req);
  const GuestMemory& memory_;
  const VirtioGpuConfig config_;

  mutable std::mutex mutex_;
  std::uint64_t features_ = 0;
  std::vector<Virtqueue*> queues_;
  std::vector<bool> broken_;
  // Read without mutex_ by notify_display_change(): a vCPU never waits for a render.
  std::atomic<VirtioInterrupt*> interrupt_{nullptr};
  std::atomic<std::uint32_t> events_read_{0};
  std::mutex activation_mutex_;               // guards pending_activation_ only
  std::optional<Activation> pending_activation_;

  std::vector<PendingFence> pending_fences_;
  // Highest retired fence per timeline: key (ctx, ring) for per-context fences, and
  // kGlobalTimeline for the rest. Written by the renderer's callback on the render thread.
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> retired_;
  // The ids the device gives the renderer for global-timeline fences (the guest's own ids
  // stay in the held response). Never reset, so a fence of the old queues that retires
  // after a device reset cannot retire a new one: the fuzz target found that with the
  // guest's ids, which start again at 1. 32 bits: virglrenderer's global fences are.
  std::uint32_t last_global_fence_ = 0;
  std::vector<std::uint8_t> scanout_image_;      // a 3D scanout, read back at flush
  bool backend_stopped_ = false;                 // its render thread's last rounds do nothing
  std::unique_ptr<RenderThread> render_thread_;  // stopped first

  std::map<std::uint32_t, gpu::GpuResource> resources_;
  // What renders for the device (gpu_backend.h); made in the constructor, after the tables.
  std::unique_ptr<gpu::GpuBackend> backend_;
  std::uint64_t image_bytes_ = 0;      // sum over 2D host images
  std::map<std::uint32_t, std::set<std::uint32_t>> contexts_;  // ctx id -> attached resources
  std::optional<ScanoutState> scanout_;
  gpu::UpdateCursor cursor_{};
  VirtioGpuStats stats_;
  // Declared last so it is destroyed first: it unmaps the blobs of resources_ (each slot
  // holds its blob's memory until the hypervisor lets it go).
  // region_mutex_ guards it (taken after mutex_ where both are), so that a BAR move from a
  // vCPU waits only for a map or unmap in progress, never for a render.
  mutable std::mutex region_mutex_;
  gpu::HostVisibleRegion region_;
};

}  // namespace vmm
