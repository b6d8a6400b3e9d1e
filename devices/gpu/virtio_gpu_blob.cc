// VirtioGpu: RESOURCE_CREATE_BLOB, RESOURCE_MAP_BLOB, RESOURCE_UNMAP_BLOB.
#include <spdlog/spdlog.h>

#include <system_error>

#include "base/guest_log.h"
#include "base/page.h"
#include "devices/gpu/blob_cache_decision.h"
#include "devices/gpu/gpu_limits.h"
#include "devices/gpu/gpu_request.h"
#include "devices/gpu/virtio_gpu.h"

namespace vmm {

using namespace gpu;

namespace {

constexpr std::uint32_t kCreate = CreateBlobCmd::kType;

}  // namespace

VirtioGpu::Reply VirtioGpu::handle(const CreateBlobCmd& c, const GpuRequest& req) {
  const ResourceCreateBlob& cmd = c.wire;
  const std::string id = "resource " + std::to_string(cmd.resource_id);
  if (cmd.resource_id == 0) return fail(resp::kErrInvalidResourceId, kCreate, "resource id 0");
  if (resources_.count(cmd.resource_id))
    return fail(resp::kErrInvalidResourceId, kCreate, id + " exists already");
  if (cmd.blob_flags & ~kBlobFlagsKnown)
    return fail(resp::kErrInvalidParameter, kCreate,
                "unknown blob_flags " + std::to_string(cmd.blob_flags));
  if (cmd.hdr.ctx_id != 0 && !contexts_.count(cmd.hdr.ctx_id))
    return fail(resp::kErrInvalidContextId, kCreate,
                "no context " + std::to_string(cmd.hdr.ctx_id));
  if (renderer_) return create_renderer_blob(cmd, req);
  if (cmd.blob_mem == kBlobMemHost3d) return create_host_blob(cmd);
  if (cmd.blob_mem != kBlobMemGuest)
    return fail(resp::kErrInvalidParameter, kCreate,
                "blob_mem " + std::to_string(cmd.blob_mem) + " is not supported");

  if (cmd.size == 0) return fail(resp::kErrInvalidParameter, kCreate, id + " has size 0");
  if (resources_.size() >= limits::kMaxResources)
    return fail(resp::kErrOutOfMemory, kCreate, id + ": resource limit reached");
  Reply reply{resp::kOkNodata, {}};
  auto backing = read_backing(req, sizeof(cmd), cmd.nr_entries, kCreate, &reply);
  if (!backing) return reply;
  if (backing->size() < cmd.size)
    return fail(resp::kErrInvalidParameter, kCreate,
                id + ": " + std::to_string(backing->size()) + " bytes of backing for a " +
                    std::to_string(cmd.size) + "-byte blob");
  GpuResource res;
  res.id = cmd.resource_id;
  res.kind = ResourceKind::GuestBlob;
  res.backing = std::move(backing);
  res.blob_flags = cmd.blob_flags;
  res.blob_id = cmd.blob_id;
  res.blob_size = cmd.size;
  resources_.emplace(res.id, std::move(res));
  if (cmd.hdr.ctx_id != 0) contexts_[cmd.hdr.ctx_id].insert(cmd.resource_id);
  return reply;
}

VirtioGpu::Reply VirtioGpu::create_host_blob(const ResourceCreateBlob& cmd) {
  const std::string id = "resource " + std::to_string(cmd.resource_id);
  if (cmd.hdr.ctx_id == 0)
    return fail(resp::kErrInvalidContextId, kCreate, id + ": a HOST3D blob needs a context");
  if (cmd.nr_entries != 0)
    return fail(resp::kErrInvalidParameter, kCreate, id + ": a HOST3D blob takes no entries");
  if (cmd.size == 0 || cmd.size % kPageSize != 0 || cmd.size > config_.hostmem_size)
    return fail(resp::kErrInvalidParameter, kCreate,
                id + ": size " + std::to_string(cmd.size) +
                    " is not a non-zero multiple of 4096 within the host-visible region");
  const std::uint64_t budget = limits::kHostBlobBytesPerRegion * config_.hostmem_size;
  if (resources_.size() >= limits::kMaxResources || host_blobs_ >= limits::kMaxHostBlobs ||
      cmd.size > budget - host_blob_bytes_)
    return fail(resp::kErrOutOfMemory, kCreate, id + ": HOST3D blob limits reached");

  GpuResource res;
  try {
    res.host = std::make_shared<MemfdMapping>(
        MemfdMapping::create("gpu-blob-" + std::to_string(cmd.resource_id), cmd.size));
  } catch (const std::system_error& e) {
    VMM_GUEST_LOG(spdlog::level::warn, "virtio-gpu: {}", e.what());
    return fail(resp::kErrOutOfMemory, kCreate, e.what());
  }
  res.id = cmd.resource_id;
  res.kind = ResourceKind::HostBlob;
  res.blob_flags = cmd.blob_flags;
  res.blob_id = cmd.blob_id;
  res.blob_size = cmd.size;
  ++host_blobs_;
  host_blob_bytes_ += cmd.size;
  resources_.emplace(res.id, std::move(res));
  contexts_[cmd.hdr.ctx_id].insert(cmd.resource_id);
  return {resp::kOkNodata, {}};
}

VirtioGpu::Reply VirtioGpu::handle(const MapBlobCmd& c, const GpuRequest&) {
  constexpr std::uint32_t kName = MapBlobCmd::kType;
  const ResourceMapBlob& cmd = c.wire;
  Reply failure;
  GpuResource* res = named_resource(cmd.resource_id, kName, failure);
  if (res == nullptr) return failure;
  const bool renderer_host_blob = res->kind == ResourceKind::RendererBlob && res->renderer_bytes != 0;
  if (res->kind != ResourceKind::HostBlob && !renderer_host_blob)
    return fail(resp::kErrInvalidParameter, kName, "resource is not a host-memory blob");
  if (!(res->blob_flags & kBlobFlagMappable))
    return fail(resp::kErrInvalidParameter, kName, "blob was not created MAPPABLE");
  if (renderer_host_blob) return map_renderer_blob(*res, cmd);
  // The device's own memfd: no producer to ask (blob_cache_decision.h).
  const BlobCacheDecision cache = decide_blob_cache(config_.blob_cache, config_.memslot_cache, {});
  auto mapped = [&] {
    std::lock_guard region_lock(region_mutex_);
    return region_.map(cmd.resource_id, cmd.offset, MemfdMapping::memory(res->host), cache.slot_type, cache.why);
  }();
  if (!mapped.ok()) return region_refused(kName, cmd.resource_id, mapped);
  res->map_info = cache.map_info;
  return Reply::map_info(cache.map_info);
}

VirtioGpu::Reply VirtioGpu::handle(const UnmapBlobCmd& c, const GpuRequest&) {
  constexpr std::uint32_t kName = UnmapBlobCmd::kType;
  const ResourceIdCmd& cmd = c.wire;
  Reply failure;
  GpuResource* res = named_resource(cmd.resource_id, kName, failure);
  if (res == nullptr) return failure;
  auto unmapped = [&] {
    std::lock_guard region_lock(region_mutex_);
    return region_.unmap(cmd.resource_id);
  }();
  // A renderer's buffer was unmapped in the renderer as the slot let go of its lease.
  if (!unmapped.ok()) return region_refused(kName, cmd.resource_id, unmapped);
  return {resp::kOkNodata, {}};
}

}  // namespace vmm
