// make_gpu_backend: the one place that picks a virtio-gpu device's backend from its config,
// so the device names neither backend.
#pragma once

#include <cstdint>
#include <memory>

#include "devices/gpu/gpu_backend.h"
#include "devices/gpu/virgl_backend.h"
#include "devices/gpu/virtio_gpu_config.h"

namespace vmm::gpu {

// BuiltinBackend for RendererKind::None, else VirglBackend over what `make_renderer` makes
// (started later, on the render thread). Throws std::runtime_error (one line) when a renderer
// is asked for and this vmm has none to make, and for RendererKind::Drm, whose one line says
// whether the host has the hardware (drm_native_context.h).
std::unique_ptr<GpuBackend> make_gpu_backend(BackendDevice& device, const VirtioGpuConfig& config,
                                             std::uint64_t guest_ram, RendererFactory make_renderer);

}  // namespace vmm::gpu
