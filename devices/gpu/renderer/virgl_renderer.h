// VirglRenderer: GpuRenderer over libvirglrenderer (virgl contexts on EGL, Venus contexts on
// the host's Vulkan), headless: surfaceless EGL, so a GPU's render node when the host has
// one and llvmpipe otherwise, chosen by Mesa and named in description().
//
// It runs in two places: in vmm itself over the system's library (create_virgl_renderer,
// virgl_renderer_in_process.cc), and in vmm-gpu-process over the renderer root's, Venus
// through the render server (create_virgl_renderer_with, given that server's socket).
//
// virglrenderer keeps its state in globals, so there is at most one per process; create it
// on the thread that will make every later call (RenderThread).
#pragma once

#include <cstdarg>
#include <functional>
#include <memory>
#include <string>

#include "devices/gpu/renderer/gpu_renderer.h"
#include "devices/gpu/renderer/renderer_kind.h"

namespace vmm::gpu {

struct VirglRendererSetup {
  RendererKind kind = RendererKind::Virgl;
  // Where Venus runs: empty, in this process (virglrenderer 0.10's only way); else in the
  // render server whose connected socket this returns (or -errno), which is virglrenderer
  // 1.x's way (VIRGL_RENDERER_RENDER_SERVER).
  std::function<int()> render_server_fd;
  // virglrenderer's own messages, one per call, without the line break.
  std::function<void(const std::string&)> log;
  // The description's opening: which virglrenderer this is and where it runs.
  std::string origin;
};

// nullptr with one line in *error naming what is missing (the library, an EGL display,
// Vulkan for Venus) or that a renderer exists already.
std::unique_ptr<GpuRenderer> create_virgl_renderer_with(VirglRendererSetup setup,
                                                        GpuRenderer::FenceRetired on_fence,
                                                        std::string* error);

// In vmm, over the system's library: its messages through the rate-limited guest log, and
// the description opening "virglrenderer 0.10.4 in-process, the system's (WHY_IN_PROCESS)":
// why not the renderer root's in vmm-gpu-process (virgl_renderer_in_process.cc).
std::unique_ptr<GpuRenderer> create_virgl_renderer(RendererKind kind,
                                                   GpuRenderer::FenceRetired on_fence,
                                                   std::string* error,
                                                   const std::string& why_in_process = {});

}  // namespace vmm::gpu
