#include "devices/gpu/process/renderer_process_probe.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "devices/gpu/process/renderer_process.h"
#include "devices/gpu/process/renderer_root.h"

namespace vmm::gpu::process {

namespace {

// libvirglrenderer-dev's version when vmm was configured (pkg-config): Debian 12's 0.10.4.
constexpr const char* kSystemVersion = VMM_SYSTEM_VIRGLRENDERER_VERSION;

std::string capset_list(const HelloReply& h) {
  std::string out;
  for (const auto& c : h.capsets) {
    const char* name = c.id == 1 ? "VIRGL" : c.id == 2 ? "VIRGL2" : c.id == 4 ? "VENUS" : c.id == 6 ? "DRM" : "?";
    out += (out.empty() ? "" : ", ") + std::string(name) + " v" + std::to_string(c.max_version);
  }
  return out.empty() ? "none" : out;
}

}  // namespace

std::string gpu_process_program() {
  if (const char* chosen = std::getenv("VMM_GPU_PROCESS"); chosen != nullptr && *chosen != '\0')
    return chosen;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (ec ? std::filesystem::path(".") : self.parent_path()) / "vmm-gpu-process";
}

std::string in_process_note() {
  std::string why;
  const auto root = find_renderer_root(default_renderer_root_path(), &why);
  if (root)
    why = "the renderer root's virglrenderer " + root->upstream_version() + " at " + root->path +
          " runs only in vmm-gpu-process, which does not serve the device yet";
  return std::string("virglrenderer ") + kSystemVersion + " in-process, the system's (" + why + ")";
}

bool probe_asked() {
  const char* mode = std::getenv("VMM_GPU_RENDERER_PROCESS");
  return mode != nullptr && std::string_view(mode) == "probe";
}

std::string probe_line(RendererKind kind) {
  std::string why;
  const auto root = find_renderer_root(default_renderer_root_path(), &why);
  if (!root) return "renderer process probe: " + why;
  const std::string program = gpu_process_program();
  if (access(program.c_str(), X_OK) != 0)
    return "renderer process probe: no " + program + " to host virglrenderer " + root->upstream_version();
  auto process = RendererProcess::start(
      RendererProcess::options_for(program, *root, kind, kDefaultProcessMemoryLimit), &why);
  if (!process) return "renderer process probe: it did not start: " + why;
  const auto hello = process->hello(&why);
  if (!hello) return "renderer process probe: " + why;
  std::string line = "virglrenderer " + hello->virglrenderer_version + " (process " +
                     std::to_string(process->pid()) + ", root " + root->path + "): ";
  if (hello->contexts & kContextVirgl) line += "virgl on " + hello->virgl_description;
  if (hello->contexts & kContextVenus)
    line += std::string(hello->contexts & kContextVirgl ? "; " : "") + "venus wire format " +
            std::to_string(hello->venus_wire_format);
  if (!hello->notes.empty()) line += "; " + hello->notes;
  line += " (capsets: " + capset_list(*hello) +
          ") — probe only: the device still renders in-process with the system's virglrenderer " +
          kSystemVersion;
  process->shutdown(&why);
  return line;
}

}  // namespace vmm::gpu::process
