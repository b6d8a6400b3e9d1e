// VirtioGpu: 3D contexts (CTX_CREATE/DESTROY, CTX_ATTACH/DETACH_RESOURCE) and SUBMIT_3D.
// Without a renderer contexts are bookkeeping and SUBMIT_3D is refused; with one, each also
// reaches the renderer (on the render thread, where these handlers then run).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/guest_log.h"
#include "devices/gpu/gpu_limits.h"
#include "devices/gpu/gpu_request.h"
#include "devices/gpu/renderer_charge.h"
#include "devices/gpu/virtio_gpu.h"

namespace vmm {

using namespace gpu;

VirtioGpu::Reply VirtioGpu::handle(const CtxCreateCmd& c, const GpuRequest&) {
  constexpr std::uint32_t kName = CtxCreateCmd::kType;
  const CtxCreate& cmd = c.wire;
  const std::uint32_t ctx = cmd.hdr.ctx_id;
  if (ctx == 0) return fail(resp::kErrInvalidContextId, kName, "context id 0");
  if (contexts_.count(ctx))
    return fail(resp::kErrInvalidContextId, kName,
                "context " + std::to_string(ctx) + " exists already");
  if (cmd.nlen > sizeof(cmd.debug_name))
    return fail(resp::kErrInvalidParameter, kName,
                "debug name length " + std::to_string(cmd.nlen) + " exceeds 64");
  if (cmd.context_init != 0 && !negotiated(kFeatureContextInit))
    return fail(resp::kErrInvalidParameter, kName,
                "context_init " + std::to_string(cmd.context_init) +
                    " without VIRTIO_GPU_F_CONTEXT_INIT");
  if (contexts_.size() >= (renderer_ ? limits::kMaxRendererContexts : backend_->max_contexts()))
    return fail(resp::kErrOutOfMemory, kName, "context limit reached");
  std::string name(cmd.debug_name, cmd.nlen);
  std::replace_if(name.begin(), name.end(), [](char c) { return c < 0x20 || c > 0x7e; }, '?');
  if (renderer_) {
    const std::uint32_t capset = cmd.context_init & kContextInitCapsetIdMask;
    if (int rc = renderer_->create_context(ctx, capset, name); rc != 0)
      return renderer_failed(kName, "context " + std::to_string(ctx) + " of capset " + std::to_string(capset), rc);
    renderer_contexts_[ctx].capset = capset;
  } else if (Reply made = backend_->create_context(ctx, cmd.context_init, name); resp::is_error(made.type)) {
    return made;
  }
  contexts_[ctx];
  VMM_GUEST_LOG(spdlog::level::debug, "virtio-gpu: context {} created ('{}')", ctx, name);
  return {resp::kOkNodata, {}};
}

VirtioGpu::Reply VirtioGpu::handle(const CtxDestroyCmd& c, const GpuRequest&) {
  if (contexts_.erase(c.wire.ctx_id) == 0)
    return fail(resp::kErrInvalidContextId, CtxDestroyCmd::kType,
                "no context " + std::to_string(c.wire.ctx_id));
  // With its held per-context fences answered and its stream resources uncharged.
  if (renderer_)
    destroy_renderer_context(c.wire.ctx_id);
  else
    backend_->destroy_context(c.wire.ctx_id);
  return {resp::kOkNodata, {}};
}

VirtioGpu::Reply VirtioGpu::handle(const CtxAttachCmd& c, const GpuRequest&) {
  return attach_detach(CtxAttachCmd::kType, c.wire, true);
}

VirtioGpu::Reply VirtioGpu::handle(const CtxDetachCmd& c, const GpuRequest&) {
  return attach_detach(CtxDetachCmd::kType, c.wire, false);
}

VirtioGpu::Reply VirtioGpu::attach_detach(std::uint32_t name, const ResourceIdCmd& cmd, bool attach) {
  auto ctx = contexts_.find(cmd.hdr.ctx_id);
  if (ctx == contexts_.end())
    return fail(resp::kErrInvalidContextId, name, "no context " + std::to_string(cmd.hdr.ctx_id));
  const GpuResource* res = find_resource(cmd.resource_id);
  if (res == nullptr)
    return fail(resp::kErrInvalidResourceId, name,
                "no resource " + std::to_string(cmd.resource_id));
  if (attach) {
    ctx->second.insert(cmd.resource_id);
  } else if (ctx->second.erase(cmd.resource_id) == 0) {
    return fail(resp::kErrInvalidParameter, name,
                "resource " + std::to_string(cmd.resource_id) + " is not attached");
  }
  // The renderer knows only its own resources; 2D ones stay bookkeeping.
  if (renderer_ && res->in_renderer()) {
    if (attach)
      renderer_->attach_resource(cmd.hdr.ctx_id, cmd.resource_id);
    else
      renderer_->detach_resource(cmd.hdr.ctx_id, cmd.resource_id);
  } else if (!renderer_) {
    backend_->attach_resource(cmd.hdr.ctx_id, *res, attach);
  }
  return {resp::kOkNodata, {}};
}

VirtioGpu::Reply VirtioGpu::handle(const Submit3dCmd& c, const GpuRequest& req) {
  constexpr std::uint32_t kName = Submit3dCmd::kType;
  const std::uint32_t size = c.wire.size;
  if (!renderer_)
    return fail(resp::kErrUnspec, kName,
                std::to_string(size) + " bytes of 3D commands, but there is no 3D renderer");
  if (!contexts_.count(c.wire.hdr.ctx_id))
    return fail(resp::kErrInvalidContextId, kName, "no context " + std::to_string(c.wire.hdr.ctx_id));
  if (size % 4 != 0 || size > limits::kMaxSubmitBytes)
    return fail(resp::kErrInvalidParameter, kName,
                std::to_string(size) + " bytes: not a whole number of dwords, or over " +
                    std::to_string(limits::kMaxSubmitBytes));
  // Copied out of guest memory first: the renderer then parses bytes the guest can no
  // longer change under it.
  std::vector<std::uint32_t> commands(size / 4);
  if (!req.read_bytes(sizeof(CmdSubmit),
                      std::span(reinterpret_cast<std::uint8_t*>(commands.data()), size)))
    return fail(resp::kErrInvalidParameter, kName,
                std::to_string(size) + " bytes of commands, but the request is shorter");
  // A virgl stream is charged for the resources it creates before the renderer runs it.
  RendererContext& ctx = renderer_contexts_[c.wire.hdr.ctx_id];
  VirglStreamCharge streamed;
  if (ctx.capset != kCapsetIdVenus) {
    auto scanned = scan_virgl_stream(commands);
    if (auto* why = std::get_if<std::string>(&scanned)) return fail(resp::kErrInvalidParameter, kName, *why);
    streamed = std::move(std::get<VirglStreamCharge>(scanned));
    if (ctx.unclaimed.size() + streamed.resources.size() > limits::kMaxUnclaimedStreamResources)
      return fail(resp::kErrOutOfMemory, kName,
                  "the context would hold more than " + std::to_string(limits::kMaxUnclaimedStreamResources) +
                      " resources no blob claimed");
    if (!charge(streamed.bytes))
      return fail(resp::kErrOutOfMemory, kName,
                  std::to_string(streamed.resources.size()) + " PIPE_RESOURCE_CREATE of " +
                      std::to_string(streamed.bytes) + " bytes would pass the renderer memory limit");
  }
  if (int rc = renderer_->submit(c.wire.hdr.ctx_id, commands); rc != 0) {
    // virglrenderer ran the commands before the one it refused: the charge stays (a
    // stream Mesa sends is never refused; a hostile one pays for what it may have made).
    for (const auto& r : streamed.resources) ctx.unclaimed.emplace(r.blob_id, r.bytes);
    ctx.unclaimed_bytes += streamed.bytes;
    return renderer_failed(kName, std::to_string(size) + " bytes of commands", rc);
  }
  for (const auto& r : streamed.resources) ctx.unclaimed.emplace(r.blob_id, r.bytes);
  ctx.unclaimed_bytes += streamed.bytes;
  return {resp::kOkNodata, {}};
}

}  // namespace vmm
