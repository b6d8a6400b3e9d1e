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
  return backend_->create_blob(cmd, req);
}

VirtioGpu::Reply VirtioGpu::handle(const MapBlobCmd& c, GpuResource& res, const GpuRequest&) {
  constexpr std::uint32_t kName = MapBlobCmd::kType;
  const ResourceMapBlob& cmd = c.wire;
  if (!backend_->host_memory_blob(res))
    return fail(resp::kErrInvalidParameter, kName, "resource is not a host-memory blob");
  if (!(res.blob_flags & kBlobFlagMappable))
    return fail(resp::kErrInvalidParameter, kName, "blob was not created MAPPABLE");
  std::unique_lock region_lock(region_mutex_);
  // Asked before the backend maps anything it would have to give back.
  if (region_.is_mapped(res.id))
    return fail(resp::kErrInvalidParameter, kName, "resource " + std::to_string(res.id) + " is already mapped");
  auto source = backend_->map_blob(res);
  if (auto* refused = std::get_if<Reply>(&source)) return *refused;
  BlobSource& blob = std::get<BlobSource>(source);
  const BlobCacheDecision cache = decide_blob_cache(config_.blob_cache, config_.memslot_cache, blob.producer);
  auto mapped = region_.map(cmd.resource_id, cmd.offset, blob.memory, cache.slot_type, cache.why);
  region_lock.unlock();
  if (!mapped.ok()) return region_refused(kName, cmd.resource_id, mapped);
  res.map_info = cache.map_info;
  backend_->blob_mapped(cache);
  return Reply::map_info(cache.map_info);
}

VirtioGpu::Reply VirtioGpu::handle(const UnmapBlobCmd& c, GpuResource&, const GpuRequest&) {
  const ResourceIdCmd& cmd = c.wire;
  auto unmapped = [&] {
    std::lock_guard region_lock(region_mutex_);
    return region_.unmap(cmd.resource_id);
  }();
  // A backend's buffer was given back to it as the slot let go of its lease.
  if (!unmapped.ok()) return region_refused(UnmapBlobCmd::kType, cmd.resource_id, unmapped);
  return {resp::kOkNodata, {}};
}

}  // namespace vmm
