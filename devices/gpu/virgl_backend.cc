// VirglBackend: the renderer's life on the render thread, fences, the memory bound, capsets,
// contexts and SUBMIT_3D. Resources and blobs: virgl_backend_resources.cc.
#include "devices/gpu/virgl_backend.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/guest_log.h"
#include "devices/gpu/gpu_limits.h"
#include "devices/gpu/renderer_charge.h"
#include "devices/gpu/virtio_gpu_names.h"

namespace vmm::gpu {

VirglBackend::VirglBackend(BackendDevice& device, RendererFactory make_renderer, std::uint64_t guest_ram,
                           std::uint64_t memory_limit)
    : device_(device), make_renderer_(std::move(make_renderer)), guest_ram_(guest_ram), memory_limit_(memory_limit) {}

std::string VirglBackend::start() {
  std::string why;
  renderer_ = make_renderer_(
      [this](std::uint32_t ctx, std::uint32_t ring, std::uint64_t fence, bool per_context) {
        ++stats_.fences_retired;
        device_.fence_retired(ctx, ring, fence, per_context);
      },
      &why);
  if (!renderer_) return why.empty() ? "the renderer could not be created" : why;
  capsets_ = renderer_->capsets();
  stats_.description = renderer_->description();
  stats_.capsets = capsets_;
  // The baseline is taken now, with the renderer and its driver loaded.
  std::string guard_error;
  memory_guard_ = RendererMemoryGuard::for_this_process(guest_ram_ + 2 * memory_limit_, &guard_error);
  if (!memory_guard_)
    spdlog::warn("virtio-gpu: the renderer's memory is bounded by its charges only: {}", guard_error);
  return {};
}

void VirglBackend::poll() {
  if (renderer_) renderer_->poll();  // retired fences arrive in the callback start() gave
}

void VirglBackend::stop() { renderer_.reset(); }

bool VirglBackend::create_fence(std::uint32_t ctx, std::uint32_t ring, std::uint64_t fence, bool per_context) {
  if (int rc = renderer_->create_fence(ctx, ring, fence, per_context); rc != 0) {
    ++stats_.renderer_errors;
    VMM_GUEST_LOG(spdlog::level::warn, "virtio-gpu: renderer refused fence {} ({}): answering at once", fence, rc);
    return false;
  }
  return true;
}

std::optional<RendererStats> VirglBackend::renderer_stats() const {
  RendererStats stats = stats_;
  stats.live_contexts = static_cast<std::uint32_t>(contexts_.size());
  stats.charged_bytes = charged_;
  stats.charge_limit = memory_limit_;
  if (renderer_) stats.process = renderer_->process_state();
  return stats;
}

bool VirglBackend::charge(std::uint64_t bytes) {
  if (bytes > memory_limit_ - charged_) {
    ++stats_.charge_refusals;
    return false;
  }
  charged_ += bytes;
  return true;
}

void VirglBackend::uncharge(std::uint64_t bytes) { charged_ -= std::min(bytes, charged_); }

void VirglBackend::after_command(std::uint32_t command, GpuReply& reply) {
  if (!memory_guard_ || contexts_.empty() || !memory_guard_->over()) return;
  ++stats_.memory_overruns;
  const std::size_t destroyed = contexts_.size();
  while (!contexts_.empty()) {
    const std::uint32_t ctx = contexts_.begin()->first;
    destroy(ctx);
    device_.context_gone(ctx);
  }
  VMM_GUEST_LOG(spdlog::level::warn,
                "virtio-gpu: {}: vmm's anonymous memory is {} MiB, over its bound of {} MiB (guest RAM + 2 x "
                "--gpu-renderer-memory above {} MiB at start): {} renderer context(s) destroyed",
                command_name(command), memory_guard_->last_sample() >> 20, memory_guard_->bound() >> 20,
                memory_guard_->baseline() >> 20, destroyed);
  reply = device_.fail(resp::kErrOutOfMemory, command, "renderer memory bound passed");
}

GpuReply VirglBackend::failed(std::uint32_t command, const std::string& what, int rc) {
  ++stats_.renderer_errors;
  VMM_GUEST_LOG(spdlog::level::warn, "virtio-gpu: {}: the renderer refused {} ({})", command_name(command), what, rc);
  return device_.fail(resp::kErrUnspec, command, "renderer refused " + what);
}

std::size_t VirglBackend::max_contexts() const { return limits::kMaxRendererContexts; }

GpuReply VirglBackend::capset_info(const GetCapsetInfoCmd& c) {
  if (c.wire.capset_index >= capsets_.size())
    return device_.fail(resp::kErrInvalidParameter, GetCapsetInfoCmd::kType,
                        "capset index " + std::to_string(c.wire.capset_index) + " of " +
                            std::to_string(capsets_.size()));
  const CapsetInfo& info = capsets_[c.wire.capset_index];
  RespCapsetInfo out{};
  out.capset_id = info.id;
  out.capset_max_version = info.max_version;
  out.capset_max_size = info.max_size;
  return GpuReply::of(resp::kOkCapsetInfo, out);
}

GpuReply VirglBackend::capset(const GetCapsetCmd& c) {
  std::vector<std::uint8_t> bytes = renderer_->capset(c.wire.capset_id, c.wire.capset_version);
  if (bytes.empty() || bytes.size() > limits::kMaxCapsetBytes)
    return device_.fail(resp::kErrInvalidParameter, GetCapsetCmd::kType,
                        "no capset " + std::to_string(c.wire.capset_id) + " version " +
                            std::to_string(c.wire.capset_version));
  return {resp::kOkCapset, std::move(bytes)};
}

GpuReply VirglBackend::create_context(std::uint32_t ctx, std::uint32_t context_init, const std::string& name) {
  const std::uint32_t capset = context_init & kContextInitCapsetIdMask;
  if (int rc = renderer_->create_context(ctx, capset, name); rc != 0)
    return failed(CtxCreateCmd::kType, "context " + std::to_string(ctx) + " of capset " + std::to_string(capset), rc);
  contexts_[ctx].capset = capset;
  return {};
}

void VirglBackend::destroy_context(std::uint32_t ctx) { destroy(ctx); }

void VirglBackend::destroy(std::uint32_t ctx) {
  auto it = contexts_.find(ctx);
  if (it == contexts_.end()) return;
  uncharge(it->second.unclaimed_bytes);
  contexts_.erase(it);
  renderer_->destroy_context(ctx);
}

void VirglBackend::clear() {
  // The contexts go before the resources they reference (and must go: a reset that only
  // forgot them would leave them alive in the renderer, without bound).
  while (!contexts_.empty()) {
    const std::uint32_t ctx = contexts_.begin()->first;
    destroy(ctx);
    device_.context_gone(ctx);
  }
}

void VirglBackend::attach_resource(std::uint32_t ctx, const GpuResource& res, bool attach) {
  if (!res.in_renderer()) return;  // the renderer knows only its own resources
  if (attach)
    renderer_->attach_resource(ctx, res.id);
  else
    renderer_->detach_resource(ctx, res.id);
}

GpuReply VirglBackend::submit_3d(const Submit3dCmd& c, const GpuRequest& req) {
  constexpr std::uint32_t kName = Submit3dCmd::kType;
  const std::uint32_t size = c.wire.size;
  if (!device_.contexts().count(c.wire.hdr.ctx_id))
    return device_.fail(resp::kErrInvalidContextId, kName, "no context " + std::to_string(c.wire.hdr.ctx_id));
  if (size % 4 != 0 || size > limits::kMaxSubmitBytes)
    return device_.fail(resp::kErrInvalidParameter, kName,
                        std::to_string(size) + " bytes: not a whole number of dwords, or over " +
                            std::to_string(limits::kMaxSubmitBytes));
  // Copied out of guest memory first: the renderer then parses bytes the guest can no
  // longer change under it.
  std::vector<std::uint32_t> commands(size / 4);
  if (!req.read_bytes(sizeof(CmdSubmit), std::span(reinterpret_cast<std::uint8_t*>(commands.data()), size)))
    return device_.fail(resp::kErrInvalidParameter, kName,
                        std::to_string(size) + " bytes of commands, but the request is shorter");
  // A virgl stream is charged for the resources it creates before the renderer runs it.
  Context& ctx = contexts_[c.wire.hdr.ctx_id];
  VirglStreamCharge streamed;
  if (ctx.capset != kCapsetIdVenus) {
    auto scanned = scan_virgl_stream(commands);
    if (auto* why = std::get_if<std::string>(&scanned)) return device_.fail(resp::kErrInvalidParameter, kName, *why);
    streamed = std::move(std::get<VirglStreamCharge>(scanned));
    if (ctx.unclaimed.size() + streamed.resources.size() > limits::kMaxUnclaimedStreamResources)
      return device_.fail(resp::kErrOutOfMemory, kName,
                          "the context would hold more than " +
                              std::to_string(limits::kMaxUnclaimedStreamResources) + " resources no blob claimed");
    if (!charge(streamed.bytes))
      return device_.fail(resp::kErrOutOfMemory, kName,
                          std::to_string(streamed.resources.size()) + " PIPE_RESOURCE_CREATE of " +
                              std::to_string(streamed.bytes) + " bytes would pass the renderer memory limit");
  }
  const int rc = renderer_->submit(c.wire.hdr.ctx_id, commands);
  // Refused or not, the charge stays: virglrenderer ran the commands before the one it
  // refused (a stream Mesa sends is never refused; a hostile one pays for what it may have
  // made).
  for (const auto& r : streamed.resources) ctx.unclaimed.emplace(r.blob_id, r.bytes);
  ctx.unclaimed_bytes += streamed.bytes;
  if (rc != 0) return failed(kName, std::to_string(size) + " bytes of commands", rc);
  return {resp::kOkNodata, {}};
}

}  // namespace vmm::gpu
