// VirtioGpu: 3D contexts (CTX_CREATE/DESTROY, CTX_ATTACH/DETACH_RESOURCE), SUBMIT_3D,
// capsets, RESOURCE_CREATE_3D and the 3D transfers. The device keeps the context table and
// checks what every backend needs; the rest is the backend's (gpu_backend.h).
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
  if (cmd.context_init != 0 && !negotiated(kFeatureContextInit))
    return fail(resp::kErrInvalidParameter, kName,
                "context_init " + std::to_string(cmd.context_init) +
                    " without VIRTIO_GPU_F_CONTEXT_INIT");
  if (contexts_.size() >= backend_->max_contexts())
    return fail(resp::kErrOutOfMemory, kName, "context limit reached");
  std::string name(cmd.debug_name, cmd.nlen);
  std::replace_if(name.begin(), name.end(), [](char c) { return c < 0x20 || c > 0x7e; }, '?');
  if (Reply made = backend_->create_context(ctx, cmd.context_init, name); resp::is_error(made.type)) return made;
  contexts_[ctx];
  VMM_GUEST_LOG(spdlog::level::debug, "virtio-gpu: context {} created ('{}')", ctx, name);
  return {resp::kOkNodata, {}};
}

VirtioGpu::Reply VirtioGpu::handle(const CtxDestroyCmd& c, const GpuRequest&) {
  if (contexts_.erase(c.wire.ctx_id) == 0)
    return fail(resp::kErrInvalidContextId, CtxDestroyCmd::kType,
                "no context " + std::to_string(c.wire.ctx_id));
  backend_->destroy_context(c.wire.ctx_id);
  // Its held per-context fences: its timeline will never retire them now.
  bool notify[2] = {false, false};  // the queue is notified with the next answer
  release_context_fences(c.wire.ctx_id, notify[0], notify[1]);
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
  backend_->attach_resource(cmd.hdr.ctx_id, *res, attach);
  return {resp::kOkNodata, {}};
}

VirtioGpu::Reply VirtioGpu::handle(const Submit3dCmd& c, const GpuRequest& req) {
  return backend_->submit_3d(c, req);
}

VirtioGpu::Reply VirtioGpu::handle(const GetCapsetInfoCmd& c, const GpuRequest&) { return backend_->capset_info(c); }

VirtioGpu::Reply VirtioGpu::handle(const GetCapsetCmd& c, const GpuRequest&) { return backend_->capset(c); }

VirtioGpu::Reply VirtioGpu::handle(const ResourceCreate3dCmd& c, const GpuRequest&) { return backend_->create_3d(c); }

VirtioGpu::Reply VirtioGpu::handle(const TransferToHost3dCmd& c, const GpuRequest&) {
  return backend_->transfer_3d(TransferToHost3dCmd::kType, c.wire, /*to_host=*/true);
}

VirtioGpu::Reply VirtioGpu::handle(const TransferFromHost3dCmd& c, const GpuRequest&) {
  return backend_->transfer_3d(TransferFromHost3dCmd::kType, c.wire, /*to_host=*/false);
}

}  // namespace vmm
