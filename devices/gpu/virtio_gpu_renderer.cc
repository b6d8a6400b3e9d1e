// VirtioGpu with a renderer: the render thread's round, fences, capsets, 3D resources and
// transfers, renderer blobs and their mapping. Everything here runs on the render thread
// with mutex_ held; renderer_ is never touched from anywhere else.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "base/guest_log.h"
#include "base/page.h"
#include "devices/gpu/gpu_limits.h"
#include "devices/gpu/gpu_request.h"
#include "devices/gpu/virtio_gpu.h"

namespace vmm {

using namespace gpu;

namespace {

// The global fence timeline's key in retired_ (per-context keys are real (ctx, ring) pairs;
// ring indices are 8 bits, so this one cannot collide).
constexpr std::pair<std::uint32_t, std::uint32_t> kGlobalTimeline{0, 0x100};

std::uint64_t texel_bound(const ResourceCreate3d& c) {
  // 16 bytes per texel is the widest format (R32G32B32A32); x2 covers every mip level.
  const std::uint64_t texels = std::uint64_t{c.width} * std::max(c.height, 1u) *
                               std::max(c.depth, 1u) * std::max(c.array_size, 1u) *
                               std::max(c.nr_samples, 1u);
  return texels > (1ull << 40) ? ~0ull : texels * 16 * (c.last_level > 0 ? 2 : 1);
}

}  // namespace

bool VirtioGpu::render_round() {
  bool notify[2] = {false, false};
  VirtioInterrupt* interrupt = nullptr;
  bool outstanding = false;
  {
    std::lock_guard lock(mutex_);
    if (!renderer_) return false;
    process_queue(kControlQueue, notify[0]);
    process_queue(kCursorQueue, notify[1]);
    renderer_->poll();  // retired fences arrive in fence_retired()
    release_retired(notify[0], notify[1]);
    outstanding = !pending_fences_.empty();
    interrupt = interrupt_;
  }
  if (interrupt != nullptr) {
    if (notify[0]) interrupt->signal_used_queue(kControlQueue);
    if (notify[1]) interrupt->signal_used_queue(kCursorQueue);
  }
  return outstanding;
}

void VirtioGpu::fence_retired(std::uint32_t ctx, std::uint32_t ring, std::uint64_t fence,
                              bool per_context) {
  // Called from renderer_->poll(), on the render thread, with mutex_ held.
  auto key = per_context ? std::make_pair(ctx, ring) : kGlobalTimeline;
  std::uint64_t& highest = retired_[key];
  highest = std::max(highest, fence);
  ++renderer_stats_.fences_retired;
}

void VirtioGpu::release_retired(bool& notify0, bool& notify1) {
  auto done = [&](const PendingFence& p) {
    auto key = p.per_context ? std::make_pair(p.ctx_id, p.ring) : kGlobalTimeline;
    auto it = retired_.find(key);
    if (it == retired_.end()) return false;
    // The global timeline's ids pass through virglrenderer as 32 bits.
    const std::uint64_t wanted = p.per_context ? p.fence_id : (p.fence_id & 0xffffffffu);
    return wanted <= it->second;
  };
  auto first_done = std::stable_partition(pending_fences_.begin(), pending_fences_.end(),
                                          [&](const PendingFence& p) { return !done(p); });
  for (auto it = first_done; it != pending_fences_.end(); ++it) {
    if (it->queue_index >= queues_.size() || queues_[it->queue_index] == nullptr) continue;
    Virtqueue& queue = *queues_[it->queue_index];
    queue.push_used(it->chain.head, write_response(it->queue_index, it->chain, it->response));
    if (queue.should_notify()) (it->queue_index == kControlQueue ? notify0 : notify1) = true;
  }
  pending_fences_.erase(first_done, pending_fences_.end());
}

VirtioGpu::Reply VirtioGpu::renderer_failed(std::uint32_t command, const std::string& what, int rc) {
  ++renderer_stats_.renderer_errors;
  VMM_GUEST_LOG(spdlog::level::warn, "virtio-gpu: {}: the renderer refused {} ({})",
                command_name(command), what, rc);
  return fail(resp::kErrUnspec, command, "renderer refused " + what);
}

VirtioGpu::Reply VirtioGpu::handle(const GetCapsetInfoCmd& c, const GpuRequest&) {
  if (!renderer_) return fail(resp::kErrUnspec, GetCapsetInfoCmd::kType, "there is no renderer, so no capsets");
  if (c.wire.capset_index >= capsets_.size())
    return fail(resp::kErrInvalidParameter, GetCapsetInfoCmd::kType,
                "capset index " + std::to_string(c.wire.capset_index) + " of " +
                    std::to_string(capsets_.size()));
  const CapsetInfo& info = capsets_[c.wire.capset_index];
  RespCapsetInfo out{};
  out.capset_id = info.id;
  out.capset_max_version = info.max_version;
  out.capset_max_size = info.max_size;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(&out);
  return {resp::kOkCapsetInfo, {bytes + sizeof(CtrlHdr), bytes + sizeof(out)}};
}

VirtioGpu::Reply VirtioGpu::handle(const GetCapsetCmd& c, const GpuRequest&) {
  constexpr std::uint32_t kName = GetCapsetCmd::kType;
  if (!renderer_) return fail(resp::kErrUnspec, kName, "there is no renderer, so no capsets");
  std::vector<std::uint8_t> bytes = renderer_->capset(c.wire.capset_id, c.wire.capset_version);
  if (bytes.empty() || bytes.size() > limits::kMaxCapsetBytes)
    return fail(resp::kErrInvalidParameter, kName,
                "no capset " + std::to_string(c.wire.capset_id) + " version " +
                    std::to_string(c.wire.capset_version));
  return {resp::kOkCapset, std::move(bytes)};
}

VirtioGpu::Reply VirtioGpu::handle(const ResourceCreate3dCmd& c, const GpuRequest&) {
  constexpr std::uint32_t kName = ResourceCreate3dCmd::kType;
  const ResourceCreate3d& cmd = c.wire;
  if (!renderer_) return fail(resp::kErrUnspec, kName, "there is no 3D renderer");
  const std::string id = "resource " + std::to_string(cmd.resource_id);
  if (cmd.resource_id == 0) return fail(resp::kErrInvalidResourceId, kName, "resource id 0");
  if (resources_.count(cmd.resource_id))
    return fail(resp::kErrInvalidResourceId, kName, id + " exists already");
  const std::uint64_t charge = texel_bound(cmd);
  if (resources_.size() >= limits::kMaxResources ||
      charge > limits::kMaxRendererBytes - renderer_bytes_)
    return fail(resp::kErrOutOfMemory, kName, id + ": renderer memory limit reached");
  Resource3dArgs args{cmd.resource_id, cmd.target,     cmd.format,     cmd.bind,
                      cmd.width,       cmd.height,     cmd.depth,      cmd.array_size,
                      cmd.last_level,  cmd.nr_samples, cmd.flags};
  if (int rc = renderer_->create_resource_3d(args); rc != 0) return renderer_failed(kName, id, rc);
  GpuResource res;
  res.id = cmd.resource_id;
  res.kind = ResourceKind::Renderer3d;
  res.width = cmd.width;
  res.height = cmd.height;
  res.format_3d = cmd.format;
  res.renderer_bytes = charge;
  renderer_bytes_ += charge;
  resources_.emplace(res.id, std::move(res));
  return {resp::kOkNodata, {}};
}

namespace {

TransferArgs transfer_args(const Transfer3d& t) {
  return {t.resource_id, t.hdr.ctx_id, t.level, t.stride, t.layer_stride,
          t.box.x,       t.box.y,      t.box.z, t.box.w,  t.box.h,
          t.box.d,       t.offset};
}

}  // namespace

VirtioGpu::Reply VirtioGpu::handle(const TransferToHost3dCmd& c, const GpuRequest&) {
  return transfer_3d(TransferToHost3dCmd::kType, c.wire, /*to_host=*/true);
}

VirtioGpu::Reply VirtioGpu::handle(const TransferFromHost3dCmd& c, const GpuRequest&) {
  return transfer_3d(TransferFromHost3dCmd::kType, c.wire, /*to_host=*/false);
}

VirtioGpu::Reply VirtioGpu::transfer_3d(std::uint32_t command, const Transfer3d& wire, bool to_host) {
  if (!renderer_) return fail(resp::kErrUnspec, command, "there is no 3D renderer");
  Reply failure;
  GpuResource* res = named_resource(wire.resource_id, command, failure);
  if (res == nullptr) return failure;
  if (!res->in_renderer()) return fail(resp::kErrInvalidParameter, command, "not a renderer resource");
  if (res->renderer_pages.empty())  // a host-only blob: Mesa asks, virglrenderer would refuse
    return fail(resp::kErrInvalidParameter, command, "the resource has no guest backing");
  // The renderer bounds the box by the resource and the copy by the backing it was lent.
  const TransferArgs args = transfer_args(wire);
  if (int rc = to_host ? renderer_->transfer_to_host(args) : renderer_->transfer_from_host(args); rc != 0)
    return renderer_failed(command, "the transfer", rc);
  return {resp::kOkNodata, {}};
}

VirtioGpu::Reply VirtioGpu::create_renderer_blob(const ResourceCreateBlob& cmd, const GpuRequest& req) {
  constexpr std::uint32_t kName = CreateBlobCmd::kType;
  const std::string id = "resource " + std::to_string(cmd.resource_id);
  if (cmd.size == 0) return fail(resp::kErrInvalidParameter, kName, id + " has size 0");
  if (cmd.blob_mem != kBlobMemGuest && cmd.hdr.ctx_id == 0)
    return fail(resp::kErrInvalidContextId, kName, id + ": a host blob needs a context");
  if (resources_.size() >= limits::kMaxResources ||
      (cmd.blob_mem != kBlobMemGuest &&
       (host_blobs_ >= limits::kMaxHostBlobs || cmd.size > limits::kMaxRendererBytes - renderer_bytes_)))
    return fail(resp::kErrOutOfMemory, kName, id + ": renderer blob limits reached");
  GpuResource res;
  if (cmd.blob_mem == kBlobMemGuest || cmd.blob_mem == kBlobMemHost3dGuest) {
    Reply reply{resp::kOkNodata, {}};
    auto backing = read_backing(req, sizeof(cmd), cmd.nr_entries, kName, &reply);
    if (!backing) return reply;
    if (backing->size() < cmd.size)
      return fail(resp::kErrInvalidParameter, kName, id + ": backing smaller than the blob");
    res.renderer_pages = backing->host_pages(memory_);
    res.backing = std::move(backing);
  } else if (cmd.nr_entries != 0) {
    return fail(resp::kErrInvalidParameter, kName, id + ": a HOST3D blob takes no entries");
  }
  BlobArgs args{cmd.resource_id, cmd.hdr.ctx_id, cmd.blob_mem, cmd.blob_flags,
                cmd.blob_id,     cmd.size,       res.renderer_pages};
  if (int rc = renderer_->create_blob(args); rc != 0) return renderer_failed(kName, id, rc);
  res.id = cmd.resource_id;
  res.kind = ResourceKind::RendererBlob;
  res.blob_flags = cmd.blob_flags;
  res.blob_id = cmd.blob_id;
  res.blob_size = cmd.size;
  if (cmd.blob_mem != kBlobMemGuest) {
    res.renderer_bytes = cmd.size;
    renderer_bytes_ += cmd.size;
    ++host_blobs_;
  }
  resources_.emplace(res.id, std::move(res));
  if (cmd.hdr.ctx_id != 0) {
    contexts_[cmd.hdr.ctx_id].insert(cmd.resource_id);
    renderer_->attach_resource(cmd.hdr.ctx_id, cmd.resource_id);
  }
  return {resp::kOkNodata, {}};
}

VirtioGpu::Reply VirtioGpu::map_renderer_blob(GpuResource& res, const ResourceMapBlob& cmd) {
  constexpr std::uint32_t kName = MapBlobCmd::kType;
  const std::string id = "resource " + std::to_string(res.id);
  if (region_.is_mapped(res.id)) return fail(resp::kErrInvalidParameter, kName, id + " is already mapped");
  RendererMapping mapping;
  if (int rc = renderer_->map_blob(res.id, &mapping); rc != 0) return renderer_failed(kName, "mapping " + id, rc);
  const int said = renderer_->map_info(res.id);

  // map_info: the renderer's answer unless --gpu-blob-cache overrides it; when it has none,
  // cached (see VirtioGpuConfig: a renderer that cannot say is a software one).
  CacheTypeReason why;
  why.renderer_map_info = said >= 0 ? map_info_name(static_cast<std::uint32_t>(said)) : "NONE";
  std::uint32_t map_info;
  if (config_.blob_cache != BlobCacheMode::Auto) {
    map_info = map_info_for(config_.blob_cache);
    why.map_info_from = "--gpu-blob-cache";
  } else if (said > 0) {
    map_info = static_cast<std::uint32_t>(said);
    why.map_info_from = "virglrenderer";
  } else {
    map_info = kMapCacheCached;
    why.map_info_from = "default: virglrenderer reported none";
  }
  why.map_info = map_info_name(map_info);
  why.decided_by = config_.memslot_cache == MemslotCacheOverride::Auto ? "map_info" : "--gpu-memslot-cache";
  const MemCacheType type = blob_memslot_cache_type(config_.memslot_cache, map_info);

  auto mapped = region_.map(res.id, cmd.offset, BlobMemory{mapping.data, mapping.size, -1}, type, why);
  if (!mapped.ok()) {
    renderer_->unmap_blob(res.id);  // no memslot reached it
    if (mapped.status == HostVisibleRegion::Status::BadRequest)
      return fail(resp::kErrInvalidParameter, kName, mapped.error);
    VMM_GUEST_LOG(spdlog::level::warn, "virtio-gpu: cannot map gpu-blob {}: {}", res.id, mapped.error);
    return fail(resp::kErrUnspec, kName, mapped.error);
  }
  res.renderer_map = mapping;
  res.map_info = map_info;
  ++renderer_stats_.blob_maps;
  ++renderer_stats_.renderer_map_info[why.renderer_map_info];
  ++renderer_stats_.guest_map_info[why.map_info];
  RespMapInfo info{};
  info.map_info = map_info;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(&info);
  return {resp::kOkMapInfo, {bytes + sizeof(CtrlHdr), bytes + sizeof(info)}};
}

void VirtioGpu::release_in_renderer(GpuResource& res) {
  if (!renderer_) return;
  // A memslot KVM would not remove still reaches the renderer's memory: leave it mapped and
  // alive in the renderer (a leak the guest cannot grow: each resource pins at most once).
  if (res.host_pinned) {
    // ... and the renderer keeps the iovec array it was lent: it must outlive the resource.
    if (!res.renderer_pages.empty()) stuck_renderer_pages_.push_back(std::move(res.renderer_pages));
    return;
  }
  if (res.renderer_map.data != nullptr) renderer_->unmap_blob(res.id);
  res.renderer_map = {};
  renderer_->unref_resource(res.id);
  renderer_bytes_ -= res.renderer_bytes;
  if (res.kind == ResourceKind::RendererBlob && res.renderer_bytes != 0) --host_blobs_;
  res.renderer_bytes = 0;
}

void VirtioGpu::read_back_scanout() {
  if (!renderer_ || !scanout_) return;
  GpuResource* res = find_resource(scanout_->resource_id);
  if (res == nullptr || res->kind != ResourceKind::Renderer3d) return;
  const std::uint64_t bytes = res->image_bytes();
  if (bytes == 0 || bytes > limits::kMaxImageBytes) return;
  scanout_image_.resize(bytes);
  iovec into{scanout_image_.data(), scanout_image_.size()};
  TransferArgs args{res->id, 0, 0, static_cast<std::uint32_t>(res->stride()), 0,
                    0,       0, 0, res->width, res->height, 1, 0};
  if (int rc = renderer_->transfer_from_host(args, std::span(&into, 1)); rc != 0) {
    ++renderer_stats_.renderer_errors;
    scanout_image_.clear();
  }
}

}  // namespace vmm
