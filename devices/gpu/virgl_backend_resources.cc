// VirglBackend: 3D resources, their backing and transfers, renderer blobs and their mapping,
// a 3D scanout's read-back. Each resource's RendererHold gives it back to the renderer.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "devices/gpu/gpu_limits.h"
#include "devices/gpu/renderer_charge.h"
#include "devices/gpu/virgl_backend.h"
#include "devices/gpu/virtio_gpu_names.h"

namespace vmm::gpu {

namespace {

TransferArgs transfer_args(const Transfer3d& t) {
  return {t.resource_id, t.hdr.ctx_id, t.level, t.stride, t.layer_stride, t.box.x,
          t.box.y,       t.box.z,      t.box.w, t.box.h,  t.box.d,        t.offset};
}

}  // namespace

GpuReply VirglBackend::create_3d(const ResourceCreate3dCmd& c) {
  constexpr std::uint32_t kName = ResourceCreate3dCmd::kType;
  const ResourceCreate3d& cmd = c.wire;
  auto& resources = device_.resources();
  const std::string id = "resource " + std::to_string(cmd.resource_id);
  if (cmd.resource_id == 0) return device_.fail(resp::kErrInvalidResourceId, kName, "resource id 0");
  if (resources.count(cmd.resource_id))
    return device_.fail(resp::kErrInvalidResourceId, kName, id + " exists already");
  const std::uint64_t bytes = renderer_resource_bytes(
      {cmd.target, cmd.width, cmd.height, cmd.depth, cmd.array_size, cmd.last_level, cmd.nr_samples});
  if (resources.size() >= limits::kMaxResources || !charge(bytes))
    return device_.fail(resp::kErrOutOfMemory, kName,
                        id + ": " + std::to_string(bytes) + " bytes more would pass the renderer memory limit");
  Resource3dArgs args{cmd.resource_id, cmd.target,     cmd.format,     cmd.bind,
                      cmd.width,       cmd.height,     cmd.depth,      cmd.array_size,
                      cmd.last_level,  cmd.nr_samples, cmd.flags};
  if (int rc = renderer_->create_resource_3d(args); rc != 0) {
    uncharge(bytes);
    return failed(kName, id, rc);
  }
  GpuResource res;
  res.id = cmd.resource_id;
  res.kind = ResourceKind::Renderer3d;
  res.renderer = std::make_shared<RendererHold>(cmd.resource_id);
  res.renderer->give_back = give_back(bytes, /*host_blob=*/false);
  res.width = cmd.width;
  res.height = cmd.height;
  res.format_3d = cmd.format;
  res.renderer_bytes = bytes;
  resources.emplace(res.id, std::move(res));
  return {resp::kOkNodata, {}};
}

GpuReply VirglBackend::transfer_3d(std::uint32_t command, const Transfer3d& wire, bool to_host) {
  auto& resources = device_.resources();
  auto it = resources.find(wire.resource_id);
  if (it == resources.end())
    return device_.fail(resp::kErrInvalidResourceId, command, "no resource " + std::to_string(wire.resource_id));
  const GpuResource& res = it->second;
  if (!res.in_renderer()) return device_.fail(resp::kErrInvalidParameter, command, "not a renderer resource");
  if (!res.has_renderer_pages())  // a host-only blob: Mesa asks, virglrenderer would refuse
    return device_.fail(resp::kErrInvalidParameter, command, "the resource has no guest backing");
  // The renderer bounds the box by the resource and the copy by the backing it was lent.
  const TransferArgs args = transfer_args(wire);
  if (int rc = to_host ? renderer_->transfer_to_host(args) : renderer_->transfer_from_host(args); rc != 0)
    return failed(command, "the transfer", rc);
  return {resp::kOkNodata, {}};
}

GpuReply VirglBackend::create_blob(const ResourceCreateBlob& cmd, const GpuRequest& req) {
  constexpr std::uint32_t kName = CreateBlobCmd::kType;
  auto& resources = device_.resources();
  const std::string id = "resource " + std::to_string(cmd.resource_id);
  if (cmd.size == 0) return device_.fail(resp::kErrInvalidParameter, kName, id + " has size 0");
  if (cmd.blob_mem != kBlobMemGuest && cmd.hdr.ctx_id == 0)
    return device_.fail(resp::kErrInvalidContextId, kName, id + ": a host blob needs a context");
  if (resources.size() >= limits::kMaxResources ||
      (cmd.blob_mem != kBlobMemGuest && host_blobs_ >= limits::kMaxHostBlobs))
    return device_.fail(resp::kErrOutOfMemory, kName, id + ": renderer blob limits reached");
  // A host blob is charged its size; the PIPE_RESOURCE_CREATE it claims (by blob id) was
  // charged when its stream was submitted, and that charge passes to the blob.
  const bool host = cmd.blob_mem != kBlobMemGuest;
  std::uint64_t claimed = 0;
  Context* owner = nullptr;
  std::multimap<std::uint64_t, std::uint64_t>::iterator claim;
  if (host) {
    auto ctx = contexts_.find(cmd.hdr.ctx_id);
    if (ctx != contexts_.end() && (claim = ctx->second.unclaimed.find(cmd.blob_id)) != ctx->second.unclaimed.end()) {
      owner = &ctx->second;
      claimed = claim->second;
    }
    if (cmd.size > claimed && !charge(cmd.size - claimed))
      return device_.fail(resp::kErrOutOfMemory, kName,
                          id + ": " + std::to_string(cmd.size) + " bytes more would pass the renderer memory limit");
  }
  const std::uint64_t added = host && cmd.size > claimed ? cmd.size - claimed : 0;
  GpuResource res;
  res.renderer = std::make_shared<RendererHold>(cmd.resource_id);
  if (cmd.blob_mem == kBlobMemGuest || cmd.blob_mem == kBlobMemHost3dGuest) {
    GpuReply reply{resp::kOkNodata, {}};
    auto backing = device_.read_backing(req, sizeof(cmd), cmd.nr_entries, kName, &reply);
    if (!backing) {
      uncharge(added);
      return reply;
    }
    if (backing->size() < cmd.size) {
      uncharge(added);
      return device_.fail(resp::kErrInvalidParameter, kName, id + ": backing smaller than the blob");
    }
    res.renderer->pages = backing->host_pages(device_.guest_memory());
    res.backing = std::move(backing);
  } else if (cmd.nr_entries != 0) {
    uncharge(added);
    return device_.fail(resp::kErrInvalidParameter, kName, id + ": a HOST3D blob takes no entries");
  }
  BlobArgs args{cmd.resource_id, cmd.hdr.ctx_id, cmd.blob_mem, cmd.blob_flags,
                cmd.blob_id,     cmd.size,       res.renderer->pages};
  if (int rc = renderer_->create_blob(args); rc != 0) {
    uncharge(added);
    return failed(kName, id, rc);
  }
  if (owner != nullptr) {  // the blob holds that charge now
    owner->unclaimed_bytes -= claimed;
    owner->unclaimed.erase(claim);
  }
  res.id = cmd.resource_id;
  res.kind = ResourceKind::RendererBlob;
  res.blob_flags = cmd.blob_flags;
  res.blob_id = cmd.blob_id;
  res.blob_size = cmd.size;
  res.blob_ctx = cmd.hdr.ctx_id;
  if (host) {
    res.renderer_bytes = std::max(cmd.size, claimed);
    ++host_blobs_;
  }
  res.renderer->give_back = give_back(res.renderer_bytes, host);
  resources.emplace(res.id, std::move(res));
  if (cmd.hdr.ctx_id != 0) {
    device_.contexts()[cmd.hdr.ctx_id].insert(cmd.resource_id);
    renderer_->attach_resource(cmd.hdr.ctx_id, cmd.resource_id);
  }
  return {resp::kOkNodata, {}};
}

std::variant<GpuReply, BlobSource> VirglBackend::map_blob(GpuResource& res) {
  RendererMapping mapping;
  if (int rc = renderer_->map_blob(res.id, &mapping); rc != 0)
    return failed(MapBlobCmd::kType, "mapping resource " + std::to_string(res.id), rc);
  // The slot's lease: when the slot goes (UNMAP_BLOB, an unref, a reset; or at once, when
  // the slot is refused) it unmaps the buffer in the renderer and then lets go of the
  // resource's hold. If the hypervisor keeps the slot after the guest unrefs the resource,
  // the renderer keeps both until the slot goes. Render thread only, as RendererHold says.
  HostMemoryLease lease = lease_running([alive = std::weak_ptr<GpuRenderer>(renderer_), hold = res.renderer] {
    if (const auto renderer = alive.lock()) renderer->unmap_blob(hold->id);
  });
  return BlobSource{BlobMemory{mapping.data, mapping.size, -1, std::move(lease)},
                    BlobProducer{"virglrenderer", renderer_->map_info(res.id), blob_context_name(res.blob_ctx)}};
}

std::string VirglBackend::blob_context_name(std::uint32_t ctx) const {
  const auto it = contexts_.find(ctx);
  if (ctx == 0 || it == contexts_.end()) return {};
  // Capset 0 is what a context created without CONTEXT_INIT gets: virgl's GL.
  return it->second.capset == 0 ? "VIRGL" : capset_name(it->second.capset);
}

void VirglBackend::blob_mapped(const BlobCacheDecision& decision) {
  ++stats_.blob_maps;
  ++stats_.renderer_map_info[decision.why.reported_map_info];
  ++stats_.guest_map_info[decision.why.map_info];
}

GpuReply VirglBackend::attach_backing(GpuResource& res, const BackingStore& store) {
  if (res.kind != ResourceKind::Renderer3d) return {};
  // Lent to the renderer, which reads and writes them in TRANSFER_*_3D.
  res.renderer->pages = store.host_pages(device_.guest_memory());
  if (int rc = renderer_->attach_backing(res.id, res.renderer->pages); rc != 0) {
    res.renderer->pages.clear();
    return failed(AttachBackingCmd::kType, "the backing", rc);
  }
  return {};
}

void VirglBackend::detach_backing(GpuResource& res) {
  // A renderer resource (3D or blob) lent the renderer its pages: taken back from it, so the
  // budget of backing entries counts what is really held.
  if (!res.in_renderer()) return;
  renderer_->detach_backing(res.id);
  res.renderer->pages.clear();
}

RendererHold::GiveBack VirglBackend::give_back(std::uint64_t bytes, bool host_blob) {
  // Runs on the render thread with the device's mutex_ held (RendererHold says why), unless
  // the renderer is gone. A hold a stuck memslot keeps stays charged until then: the guest
  // cannot grow what it holds by having slots refused.
  return [this, alive = std::weak_ptr<GpuRenderer>(renderer_), bytes, host_blob](const RendererHold& hold) {
    const auto renderer = alive.lock();
    if (!renderer) return;
    renderer->unref_resource(hold.id);
    uncharge(bytes);
    if (host_blob) --host_blobs_;
  };
}

std::vector<std::uint8_t> VirglBackend::read_back(const GpuResource& res) {
  if (res.kind != ResourceKind::Renderer3d) return {};
  const std::uint64_t bytes = res.image_bytes();
  if (bytes == 0 || bytes > limits::kMaxImageBytes) return {};
  std::vector<std::uint8_t> image(bytes);
  iovec into{image.data(), image.size()};
  TransferArgs args{res.id, 0, 0, static_cast<std::uint32_t>(res.stride()), 0, 0, 0, 0, res.width, res.height, 1, 0};
  if (int rc = renderer_->transfer_from_host(args, std::span(&into, 1)); rc != 0) {
    ++stats_.renderer_errors;
    return {};
  }
  return image;
}

}  // namespace vmm::gpu
