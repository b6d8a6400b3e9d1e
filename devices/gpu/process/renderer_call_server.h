// RendererCallServer: vmm-gpu-process's side of the renderer calls (renderer_process_protocol.h,
// Attach and Call). It maps what vmm shares with it (the staging area, guest RAM's ranges),
// turns each call back into the GpuRenderer call it stands for, with page lists rebuilt as
// iovecs into its own mappings, and keeps the fences the renderer retires until vmm polls.
//
// vmm is the trusted side here, but what it sends is still checked: a page that is not
// inside what was shared, a staged length past the staging area, or a call before Attach is
// answered -EINVAL (-EPROTO before Attach), never followed.
#pragma once

#include <sys/uio.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "base/mapping.h"
#include "base/unique_fd.h"
#include "devices/gpu/process/renderer_process_message.h"
#include "devices/gpu/renderer/gpu_renderer.h"

namespace vmm::gpu::process {

class RendererCallServer {
 public:
  // What the renderer is created with: its retired fences are kept here for the next Poll.
  GpuRenderer::FenceRetired fence_sink();
  void set_renderer(GpuRenderer* renderer) { renderer_ = renderer; }

  // Maps FDS (the staging memfd, then one per range) as REQUEST describes them.
  bool attach(const AttachRequest& request, std::vector<UniqueFd> fds, std::string* error);
  bool attached() const { return staging_.data() != nullptr; }

  // One call; for MapBlob, *fd_out gets the blob's fd (the reply's SCM_RIGHTS).
  CallReply serve(const CallRequest& call, UniqueFd* fd_out);

 private:
  struct Fence {
    std::uint32_t ctx, ring;
    std::uint64_t fence;
    bool per_context;
  };
  // The staged page list as iovecs into this process's mappings; nullopt when an entry is
  // not inside what was shared, or the list is not whole records.
  std::optional<std::vector<iovec>> pages(const CallRequest& call) const;
  CallReply serve_pages(const CallRequest& call);
  CallReply capset(const CallRequest& call);
  CallReply poll();
  CallReply map_blob(std::uint32_t resource, UniqueFd* fd_out);
  // Where the driver cannot export a blob's storage (llvmpipe: a GL buffer is malloc'd
  // memory), the whole pages under MAPPING are replaced in place by a memfd holding the same
  // bytes, and that memfd is what vmm maps; *offset is the blob's start within its first
  // page. Those pages may hold the driver's other data beside the blob: the guest that maps
  // the blob can reach them, in this process only (it is the sandbox). An fd, or -errno.
  int share_in_place(const RendererMapping& mapping, std::uint64_t* offset);
  // One stderr line for a blob whose storage could not be exported as it is, the first
  // kExportRefusalsLogged times only.
  void log_export_refusal(std::uint32_t resource, const char* why, int rc);
  static constexpr int kExportRefusalsLogged = 8;
  int exports_refused_ = 0;

  GpuRenderer* renderer_ = nullptr;
  Mapping staging_;
  std::vector<Mapping> ranges_;
  // The iovec arrays virglrenderer was given for a resource's backing: it keeps the
  // pointer until detach or unref, so they live here until then.
  std::map<std::uint32_t, std::vector<iovec>> backings_;
  std::vector<Fence> retired_;
  std::uint64_t resident_bytes_ = 0;  // Poll's figure, and when it was measured
  std::chrono::steady_clock::time_point resident_measured_at_{};
};

}  // namespace vmm::gpu::process
