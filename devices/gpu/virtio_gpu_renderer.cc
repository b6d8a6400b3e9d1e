// VirtioGpu with a renderer: the render thread's round, fences, capsets, 3D resources and
// transfers, renderer blobs and their mapping. Everything here runs on the render thread
// with mutex_ held; renderer_ is never touched from anywhere else.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "base/guest_log.h"
#include "base/page.h"
#include "devices/gpu/blob_cache_decision.h"
#include "devices/gpu/gpu_limits.h"
#include "devices/gpu/gpu_request.h"
#include "devices/gpu/renderer_charge.h"
#include "devices/gpu/virtio_gpu.h"

namespace vmm {

using namespace gpu;

namespace {

// The global fence timeline's key in retired_ (per-context keys are real (ctx, ring) pairs;
// ring indices are 8 bits, so this one cannot collide).
constexpr std::pair<std::uint32_t, std::uint32_t> kGlobalTimeline{0, 0x100};


}  // namespace

bool VirtioGpu::render_round() {
  bool notify[2] = {false, false};
  VirtioInterrupt* interrupt = nullptr;
  bool outstanding = false;
  std::optional<Activation> activation;
  {
    std::lock_guard lock(activation_mutex_);
    activation.swap(pending_activation_);
  }
  {
    std::lock_guard lock(mutex_);
    if (!renderer_) return false;
    if (activation) apply_activation(std::move(*activation));
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
  std::uint64_t& highest = retired_[per_context ? std::make_pair(ctx, ring) : kGlobalTimeline];
  if (per_context)
    highest = std::max(highest, fence);
  else if (static_cast<std::int32_t>(static_cast<std::uint32_t>(fence) - static_cast<std::uint32_t>(highest)) > 0 ||
           highest == 0)
    highest = static_cast<std::uint32_t>(fence);  // the device's ids, compared across a wrap
  ++renderer_stats_.fences_retired;
}

void VirtioGpu::release_retired(bool& notify0, bool& notify1) {
  auto done = [&](const PendingFence& p) {
    auto key = p.per_context ? std::make_pair(p.ctx_id, p.ring) : kGlobalTimeline;
    auto it = retired_.find(key);
    if (it == retired_.end()) return false;
    if (p.per_context) return p.fence_id <= it->second;
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(it->second) -
                                     static_cast<std::uint32_t>(p.fence_id)) >= 0;
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

void VirtioGpu::release_context_fences(std::uint32_t ctx, bool& notify0, bool& notify1) {
  for (std::uint32_t ring = 0; ring < 0x100; ++ring) retired_.erase({ctx, ring});
  // Marked retired on their own timeline, then answered like any retired fence.
  for (const PendingFence& p : pending_fences_)
    if (p.per_context && p.ctx_id == ctx) {
      std::uint64_t& highest = retired_[{ctx, p.ring}];
      highest = std::max(highest, p.fence_id);
    }
  release_retired(notify0, notify1);
  for (std::uint32_t ring = 0; ring < 0x100; ++ring) retired_.erase({ctx, ring});
}

bool VirtioGpu::charge(std::uint64_t bytes) {
  if (bytes > config_.renderer_memory_limit - renderer_bytes_) {
    ++renderer_stats_.charge_refusals;
    return false;
  }
  renderer_bytes_ += bytes;
  return true;
}

void VirtioGpu::uncharge(std::uint64_t bytes) { renderer_bytes_ -= std::min(bytes, renderer_bytes_); }

void VirtioGpu::destroy_renderer_context(std::uint32_t ctx) {
  auto it = renderer_contexts_.find(ctx);
  if (it == renderer_contexts_.end()) return;
  uncharge(it->second.unclaimed_bytes);
  renderer_contexts_.erase(it);
  renderer_->destroy_context(ctx);
  bool notify[2] = {false, false};  // the queue is notified with the next answer
  release_context_fences(ctx, notify[0], notify[1]);
}

void VirtioGpu::enforce_memory_bound(std::uint32_t command, Reply& reply) {
  if (!memory_guard_ || renderer_contexts_.empty() || !memory_guard_->over()) return;
  ++renderer_stats_.memory_overruns;
  const std::size_t destroyed = renderer_contexts_.size();
  while (!renderer_contexts_.empty()) {
    const std::uint32_t ctx = renderer_contexts_.begin()->first;
    contexts_.erase(ctx);
    destroy_renderer_context(ctx);
  }
  VMM_GUEST_LOG(spdlog::level::warn,
                "virtio-gpu: {}: vmm's anonymous memory is {} MiB, over its bound of {} MiB (guest RAM + 2 x "
                "--gpu-renderer-memory above {} MiB at start): {} renderer context(s) destroyed",
                command_name(command), memory_guard_->last_sample() >> 20, memory_guard_->bound() >> 20,
                memory_guard_->baseline() >> 20, destroyed);
  reply = fail(resp::kErrOutOfMemory, command, "renderer memory bound passed");
}

VirtioGpu::Reply VirtioGpu::renderer_failed(std::uint32_t command, const std::string& what, int rc) {
  ++renderer_stats_.renderer_errors;
  VMM_GUEST_LOG(spdlog::level::warn, "virtio-gpu: {}: the renderer refused {} ({})",
                command_name(command), what, rc);
  return fail(resp::kErrUnspec, command, "renderer refused " + what);
}

VirtioGpu::Reply VirtioGpu::handle(const GetCapsetInfoCmd& c, const GpuRequest&) {
  if (!renderer_) return backend_->capset_info(c);
  if (c.wire.capset_index >= capsets_.size())
    return fail(resp::kErrInvalidParameter, GetCapsetInfoCmd::kType,
                "capset index " + std::to_string(c.wire.capset_index) + " of " +
                    std::to_string(capsets_.size()));
  const CapsetInfo& info = capsets_[c.wire.capset_index];
  RespCapsetInfo out{};
  out.capset_id = info.id;
  out.capset_max_version = info.max_version;
  out.capset_max_size = info.max_size;
  return Reply::of(resp::kOkCapsetInfo, out);
}

VirtioGpu::Reply VirtioGpu::handle(const GetCapsetCmd& c, const GpuRequest&) {
  constexpr std::uint32_t kName = GetCapsetCmd::kType;
  if (!renderer_) return backend_->capset(c);
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
  if (!renderer_) return backend_->create_3d(c);
  const std::string id = "resource " + std::to_string(cmd.resource_id);
  if (cmd.resource_id == 0) return fail(resp::kErrInvalidResourceId, kName, "resource id 0");
  if (resources_.count(cmd.resource_id))
    return fail(resp::kErrInvalidResourceId, kName, id + " exists already");
  const std::uint64_t bytes = renderer_resource_bytes(
      {cmd.target, cmd.width, cmd.height, cmd.depth, cmd.array_size, cmd.last_level, cmd.nr_samples});
  if (resources_.size() >= limits::kMaxResources || !charge(bytes))
    return fail(resp::kErrOutOfMemory, kName,
                id + ": " + std::to_string(bytes) + " bytes more would pass the renderer memory limit");
  Resource3dArgs args{cmd.resource_id, cmd.target,     cmd.format,     cmd.bind,
                      cmd.width,       cmd.height,     cmd.depth,      cmd.array_size,
                      cmd.last_level,  cmd.nr_samples, cmd.flags};
  if (int rc = renderer_->create_resource_3d(args); rc != 0) {
    uncharge(bytes);
    return renderer_failed(kName, id, rc);
  }
  GpuResource res;
  res.id = cmd.resource_id;
  res.kind = ResourceKind::Renderer3d;
  res.renderer = std::make_shared<RendererHold>(cmd.resource_id);
  res.renderer->give_back = give_back_to_renderer(bytes, /*host_blob=*/false);
  res.width = cmd.width;
  res.height = cmd.height;
  res.format_3d = cmd.format;
  res.renderer_bytes = bytes;
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
  if (!renderer_) return backend_->transfer_3d(command, wire, to_host);
  Reply failure;
  GpuResource* res = named_resource(wire.resource_id, command, failure);
  if (res == nullptr) return failure;
  if (!res->in_renderer()) return fail(resp::kErrInvalidParameter, command, "not a renderer resource");
  if (!res->has_renderer_pages())  // a host-only blob: Mesa asks, virglrenderer would refuse
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
      (cmd.blob_mem != kBlobMemGuest && host_blobs_ >= limits::kMaxHostBlobs))
    return fail(resp::kErrOutOfMemory, kName, id + ": renderer blob limits reached");
  // A host blob is charged its size; the PIPE_RESOURCE_CREATE it claims (by blob id) was
  // charged when its stream was submitted, and that charge passes to the blob.
  const bool host = cmd.blob_mem != kBlobMemGuest;
  std::uint64_t claimed = 0;
  RendererContext* owner = nullptr;
  std::multimap<std::uint64_t, std::uint64_t>::iterator claim;
  if (host) {
    auto ctx = renderer_contexts_.find(cmd.hdr.ctx_id);
    if (ctx != renderer_contexts_.end() &&
        (claim = ctx->second.unclaimed.find(cmd.blob_id)) != ctx->second.unclaimed.end()) {
      owner = &ctx->second;
      claimed = claim->second;
    }
    if (cmd.size > claimed && !charge(cmd.size - claimed))
      return fail(resp::kErrOutOfMemory, kName,
                  id + ": " + std::to_string(cmd.size) + " bytes more would pass the renderer memory limit");
  }
  const std::uint64_t added = host && cmd.size > claimed ? cmd.size - claimed : 0;
  GpuResource res;
  res.renderer = std::make_shared<RendererHold>(cmd.resource_id);
  if (cmd.blob_mem == kBlobMemGuest || cmd.blob_mem == kBlobMemHost3dGuest) {
    Reply reply{resp::kOkNodata, {}};
    auto backing = read_backing(req, sizeof(cmd), cmd.nr_entries, kName, &reply);
    if (!backing) {
      uncharge(added);
      return reply;
    }
    if (backing->size() < cmd.size) {
      uncharge(added);
      return fail(resp::kErrInvalidParameter, kName, id + ": backing smaller than the blob");
    }
    res.renderer->pages = backing->host_pages(memory_);
    res.backing = std::move(backing);
  } else if (cmd.nr_entries != 0) {
    uncharge(added);
    return fail(resp::kErrInvalidParameter, kName, id + ": a HOST3D blob takes no entries");
  }
  BlobArgs args{cmd.resource_id, cmd.hdr.ctx_id, cmd.blob_mem, cmd.blob_flags,
                cmd.blob_id,     cmd.size,       res.renderer->pages};
  if (int rc = renderer_->create_blob(args); rc != 0) {
    uncharge(added);
    return renderer_failed(kName, id, rc);
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
  if (host) {
    res.renderer_bytes = std::max(cmd.size, claimed);
    ++host_blobs_;
  }
  res.renderer->give_back = give_back_to_renderer(res.renderer_bytes, host);
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
  std::unique_lock region_lock(region_mutex_);
  if (region_.is_mapped(res.id)) return fail(resp::kErrInvalidParameter, kName, id + " is already mapped");
  RendererMapping mapping;
  if (int rc = renderer_->map_blob(res.id, &mapping); rc != 0) return renderer_failed(kName, "mapping " + id, rc);
  const BlobCacheDecision cache =
      decide_blob_cache(config_.blob_cache, config_.memslot_cache, {"virglrenderer", renderer_->map_info(res.id)});

  // The slot's lease: when the slot goes (UNMAP_BLOB, an unref, a reset; or at once, when
  // the slot is refused) it unmaps the buffer in the renderer and then lets go of the
  // resource's hold. If the hypervisor keeps the slot after the guest unrefs the resource,
  // the renderer keeps both until the slot goes. Render thread only, as RendererHold says.
  HostMemoryLease lease = lease_running([alive = std::weak_ptr<GpuRenderer>(renderer_), hold = res.renderer] {
    if (const auto renderer = alive.lock()) renderer->unmap_blob(hold->id);
  });
  auto mapped = region_.map(res.id, cmd.offset, BlobMemory{mapping.data, mapping.size, -1, std::move(lease)},
                            cache.slot_type, cache.why);
  region_lock.unlock();
  if (!mapped.ok()) return region_refused(kName, res.id, mapped);
  res.map_info = cache.map_info;
  ++renderer_stats_.blob_maps;
  ++renderer_stats_.renderer_map_info[cache.why.reported_map_info];
  ++renderer_stats_.guest_map_info[cache.why.map_info];
  return Reply::map_info(cache.map_info);
}

RendererHold::GiveBack VirtioGpu::give_back_to_renderer(std::uint64_t bytes, bool host_blob) {
  // Runs on the render thread with mutex_ held (RendererHold says why), unless the renderer
  // is gone. A hold a stuck memslot keeps stays charged until then: the guest cannot grow
  // what it holds by having slots refused.
  return [this, alive = std::weak_ptr<GpuRenderer>(renderer_), bytes, host_blob](const RendererHold& hold) {
    const auto renderer = alive.lock();
    if (!renderer) return;
    renderer->unref_resource(hold.id);
    uncharge(bytes);
    if (host_blob) --host_blobs_;
  };
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
