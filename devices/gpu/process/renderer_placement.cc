#include "devices/gpu/process/renderer_placement.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace vmm::gpu::process {

std::string gpu_process_program() {
  if (const char* chosen = std::getenv("VMM_GPU_PROCESS"); chosen != nullptr && *chosen != '\0')
    return chosen;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (ec ? std::filesystem::path(".") : self.parent_path()) / "vmm-gpu-process";
}

RendererPlacement place_renderer() {
  RendererPlacement p;
  if (const char* mode = std::getenv("VMM_GPU_RENDERER_PROCESS");
      mode != nullptr && std::string_view(mode) == "off") {
    p.why_in_process = "VMM_GPU_RENDERER_PROCESS=off";
    return p;
  }
  std::string why;
  auto root = find_renderer_root(default_renderer_root_path(), &why);
  if (!root) {
    p.why_in_process = why;
    return p;
  }
  p.program = gpu_process_program();
  if (access(p.program.c_str(), X_OK) != 0) {
    p.why_in_process = "no " + p.program + " to host the renderer root's virglrenderer " +
                       root->upstream_version() + " (this vmm was built without it)";
    return p;
  }
  p.root = std::move(root);
  return p;
}

}  // namespace vmm::gpu::process
