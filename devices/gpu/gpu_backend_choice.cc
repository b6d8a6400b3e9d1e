#include "devices/gpu/gpu_backend_choice.h"

#include <stdexcept>
#include <string>

#include "devices/gpu/builtin_backend.h"
#include "devices/gpu/process/drm_native_context.h"

namespace vmm::gpu {

std::unique_ptr<GpuBackend> make_gpu_backend(BackendDevice& device, const VirtioGpuConfig& config,
                                             std::uint64_t guest_ram, RendererFactory make_renderer) {
  if (config.renderer == RendererKind::None) return std::make_unique<BuiltinBackend>(device, config.hostmem_size);
  // Refused whether or not the host has the hardware: the line says which (issue 22, point 5).
  if (config.renderer == RendererKind::Drm)
    throw std::runtime_error(process::drm_native_context_refusal("/sys"));
  if (!make_renderer)
    throw std::runtime_error("--gpu-renderer " + std::string(to_string(config.renderer)) +
                             ": this vmm was built without virglrenderer "
                             "(libvirglrenderer-dev was missing when it was configured)");
  return std::make_unique<VirglBackend>(device, std::move(make_renderer), guest_ram, config.renderer_memory_limit);
}

}  // namespace vmm::gpu
