// VirglRenderer: GpuRenderer over libvirglrenderer (virgl contexts on EGL, Venus contexts on
// the host's Vulkan), headless: surfaceless EGL, so a GPU's render node when the host has
// one and llvmpipe otherwise, chosen by Mesa and named in description().
//
// virglrenderer keeps its state in globals, so there is at most one per process; create it
// on the thread that will make every later call (RenderThread).
#pragma once

#include <memory>
#include <string>

#include "devices/gpu/renderer/gpu_renderer.h"
#include "devices/gpu/renderer/renderer_kind.h"

namespace vmm::gpu {

// nullptr with one line in *error naming what is missing (the library, an EGL display,
// Vulkan for Venus) or that a renderer exists already.
std::unique_ptr<GpuRenderer> create_virgl_renderer(RendererKind kind,
                                                   GpuRenderer::FenceRetired on_fence,
                                                   std::string* error);

}  // namespace vmm::gpu
