// virglrenderer as vmm-gpu-process hosts it: the renderer root's library, initialised for the
// contexts asked for (virgl on surfaceless EGL, Venus through the render server), as a
// GpuRenderer the call server drives, and described for the hello reply. One per process
// (virglrenderer keeps global state).
#pragma once

#include <memory>
#include <string>

#include "devices/gpu/process/renderer_process_message.h"
#include "devices/gpu/process/renderer_root.h"
#include "devices/gpu/renderer/gpu_renderer.h"
#include "devices/gpu/renderer/renderer_kind.h"

namespace vmm::gpu::process {

class HostedRenderer {
 public:
  // nullptr with *error when the library cannot be opened or initialised for any context
  // asked for. A context that fails while another initialises is named in hello().notes.
  // ON_FENCE gets the fences the renderer retires (RendererCallServer::fence_sink()).
  static std::unique_ptr<HostedRenderer> create(RendererKind kind, const RendererRoot& root,
                                                GpuRenderer::FenceRetired on_fence,
                                                std::string* error);

  const HelloReply& hello() const { return hello_; }
  GpuRenderer& renderer() { return *renderer_; }

 private:
  HostedRenderer() = default;
  std::unique_ptr<GpuRenderer> renderer_;
  HelloReply hello_;
};

}  // namespace vmm::gpu::process
