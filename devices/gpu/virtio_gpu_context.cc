// VirtioGpu: 3D contexts as bookkeeping (CTX_CREATE/DESTROY, CTX_ATTACH/DETACH_RESOURCE) and
// SUBMIT_3D, which this device cannot run: there is no 3D renderer behind it.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/guest_log.h"
#include "devices/gpu/gpu_limits.h"
#include "devices/gpu/gpu_request.h"
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
  if (cmd.context_init != 0)
    return fail(resp::kErrInvalidParameter, kName,
                "context_init " + std::to_string(cmd.context_init) +
                    " without VIRTIO_GPU_F_CONTEXT_INIT");
  if (contexts_.size() >= limits::kMaxContexts)
    return fail(resp::kErrOutOfMemory, kName, "context limit reached");
  contexts_[ctx];
  std::string name(cmd.debug_name, cmd.nlen);
  std::replace_if(name.begin(), name.end(), [](char c) { return c < 0x20 || c > 0x7e; }, '?');
  VMM_GUEST_LOG(spdlog::level::debug, "virtio-gpu: context {} created ('{}')", ctx, name);
  return {resp::kOkNodata, {}};
}

VirtioGpu::Reply VirtioGpu::handle(const CtxDestroyCmd& c, const GpuRequest&) {
  if (contexts_.erase(c.wire.ctx_id) == 0)
    return fail(resp::kErrInvalidContextId, CtxDestroyCmd::kType,
                "no context " + std::to_string(c.wire.ctx_id));
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
  if (find_resource(cmd.resource_id) == nullptr)
    return fail(resp::kErrInvalidResourceId, name,
                "no resource " + std::to_string(cmd.resource_id));
  if (attach) {
    ctx->second.insert(cmd.resource_id);
  } else if (ctx->second.erase(cmd.resource_id) == 0) {
    return fail(resp::kErrInvalidParameter, name,
                "resource " + std::to_string(cmd.resource_id) + " is not attached");
  }
  return {resp::kOkNodata, {}};
}

VirtioGpu::Reply VirtioGpu::handle(const Submit3dCmd& c, const GpuRequest&) {
  return fail(resp::kErrUnspec, Submit3dCmd::kType,
              std::to_string(c.wire.size) + " bytes of 3D commands, but there is no 3D renderer");
}

}  // namespace vmm
