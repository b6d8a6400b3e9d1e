#include "devices/gpu/builtin_backend.h"

#include <spdlog/spdlog.h>

#include <system_error>

#include "base/guest_log.h"
#include "base/page.h"
#include "devices/gpu/gpu_limits.h"

namespace vmm::gpu {

namespace {

constexpr std::uint32_t kCreate = CreateBlobCmd::kType;

}  // namespace

std::size_t BuiltinBackend::max_contexts() const { return limits::kMaxContexts; }

GpuReply BuiltinBackend::capset_info(const GetCapsetInfoCmd&) {
  return device_.fail(resp::kErrUnspec, GetCapsetInfoCmd::kType, "there is no renderer, so no capsets");
}

GpuReply BuiltinBackend::capset(const GetCapsetCmd&) {
  return device_.fail(resp::kErrUnspec, GetCapsetCmd::kType, "there is no renderer, so no capsets");
}

GpuReply BuiltinBackend::submit_3d(const Submit3dCmd& c, const GpuRequest&) {
  return device_.fail(resp::kErrUnspec, Submit3dCmd::kType,
                      std::to_string(c.wire.size) + " bytes of 3D commands, but there is no 3D renderer");
}

GpuReply BuiltinBackend::create_3d(const ResourceCreate3dCmd&) {
  return device_.fail(resp::kErrUnspec, ResourceCreate3dCmd::kType, "there is no 3D renderer");
}

GpuReply BuiltinBackend::transfer_3d(std::uint32_t command, const Transfer3d&, bool) {
  return device_.fail(resp::kErrUnspec, command, "there is no 3D renderer");
}

GpuReply BuiltinBackend::create_blob(const ResourceCreateBlob& cmd, const GpuRequest& req) {
  if (cmd.blob_mem == kBlobMemHost3d) return create_host_blob(cmd);
  if (cmd.blob_mem != kBlobMemGuest)
    return device_.fail(resp::kErrInvalidParameter, kCreate,
                        "blob_mem " + std::to_string(cmd.blob_mem) + " is not supported");
  return create_guest_blob(cmd, req);
}

GpuReply BuiltinBackend::create_guest_blob(const ResourceCreateBlob& cmd, const GpuRequest& req) {
  const std::string id = "resource " + std::to_string(cmd.resource_id);
  auto& resources = device_.resources();
  if (cmd.size == 0) return device_.fail(resp::kErrInvalidParameter, kCreate, id + " has size 0");
  if (resources.size() >= limits::kMaxResources)
    return device_.fail(resp::kErrOutOfMemory, kCreate, id + ": resource limit reached");
  GpuReply reply{resp::kOkNodata, {}};
  auto backing = device_.read_backing(req, sizeof(cmd), cmd.nr_entries, kCreate, &reply);
  if (!backing) return reply;
  if (backing->size() < cmd.size)
    return device_.fail(resp::kErrInvalidParameter, kCreate,
                        id + ": " + std::to_string(backing->size()) + " bytes of backing for a " +
                            std::to_string(cmd.size) + "-byte blob");
  GpuResource res;
  res.id = cmd.resource_id;
  res.kind = ResourceKind::GuestBlob;
  res.backing = std::move(backing);
  res.blob_flags = cmd.blob_flags;
  res.blob_id = cmd.blob_id;
  res.blob_size = cmd.size;
  resources.emplace(res.id, std::move(res));
  if (cmd.hdr.ctx_id != 0) device_.contexts()[cmd.hdr.ctx_id].insert(cmd.resource_id);
  return reply;
}

GpuReply BuiltinBackend::create_host_blob(const ResourceCreateBlob& cmd) {
  const std::string id = "resource " + std::to_string(cmd.resource_id);
  auto& resources = device_.resources();
  if (cmd.hdr.ctx_id == 0)
    return device_.fail(resp::kErrInvalidContextId, kCreate, id + ": a HOST3D blob needs a context");
  if (cmd.nr_entries != 0)
    return device_.fail(resp::kErrInvalidParameter, kCreate, id + ": a HOST3D blob takes no entries");
  if (cmd.size == 0 || cmd.size % kPageSize != 0 || cmd.size > hostmem_size_)
    return device_.fail(resp::kErrInvalidParameter, kCreate,
                        id + ": size " + std::to_string(cmd.size) +
                            " is not a non-zero multiple of 4096 within the host-visible region");
  const std::uint64_t budget = limits::kHostBlobBytesPerRegion * hostmem_size_;
  if (resources.size() >= limits::kMaxResources || host_blobs_ >= limits::kMaxHostBlobs ||
      cmd.size > budget - host_blob_bytes_)
    return device_.fail(resp::kErrOutOfMemory, kCreate, id + ": HOST3D blob limits reached");

  GpuResource res;
  try {
    res.host = std::make_shared<MemfdMapping>(
        MemfdMapping::create("gpu-blob-" + std::to_string(cmd.resource_id), cmd.size));
  } catch (const std::system_error& e) {
    VMM_GUEST_LOG(spdlog::level::warn, "virtio-gpu: {}", e.what());
    return device_.fail(resp::kErrOutOfMemory, kCreate, e.what());
  }
  res.id = cmd.resource_id;
  res.kind = ResourceKind::HostBlob;
  res.blob_flags = cmd.blob_flags;
  res.blob_id = cmd.blob_id;
  res.blob_size = cmd.size;
  ++host_blobs_;
  host_blob_bytes_ += cmd.size;
  resources.emplace(res.id, std::move(res));
  device_.contexts()[cmd.hdr.ctx_id].insert(cmd.resource_id);
  return {resp::kOkNodata, {}};
}

std::variant<GpuReply, BlobSource> BuiltinBackend::map_blob(GpuResource& res) {
  // The device's own memfd: no producer to ask (blob_cache_decision.h).
  return BlobSource{MemfdMapping::memory(res.host), {}};
}

void BuiltinBackend::forget(const GpuResource& res) {
  if (res.kind != ResourceKind::HostBlob) return;
  --host_blobs_;
  host_blob_bytes_ -= res.blob_size;
}

}  // namespace vmm::gpu
