// The in-process renderer: the system's virglrenderer (Debian 12's 0.10.4) in vmm itself,
// which is what runs where the renderer root's 1.3.0 cannot (vmm's assembly decides, with
// devices/gpu/process/renderer_placement.h, and passes the reason for the description).
#include <spdlog/spdlog.h>

#include "base/guest_log.h"
#include "devices/gpu/renderer/virgl_renderer.h"

namespace vmm::gpu {

namespace {

// libvirglrenderer-dev's version when vmm was configured (pkg-config): Debian 12's 0.10.4.
constexpr const char* kSystemVersion = VMM_SYSTEM_VIRGLRENDERER_VERSION;

}  // namespace

std::unique_ptr<GpuRenderer> create_virgl_renderer(RendererKind kind,
                                                   GpuRenderer::FenceRetired on_fence,
                                                   std::string* error,
                                                   const std::string& why_in_process) {
  VirglRendererSetup setup;
  setup.kind = kind;
  // virglrenderer's own messages (context errors a guest's bad command stream causes among
  // them) would go to stderr unbounded; they go through vmm's rate-limited guest log
  // instead, at debug level (the device logs each refusal itself at warn), 256 bytes a line.
  setup.log = [](const std::string& line) {
    VMM_GUEST_LOG(spdlog::level::debug, "virglrenderer: {}", line);
  };
  setup.origin = std::string("virglrenderer ") + kSystemVersion + " in-process, the system's" +
                 (why_in_process.empty() ? "" : " (" + why_in_process + ")");
  return create_virgl_renderer_with(std::move(setup), std::move(on_fence), error);
}

}  // namespace vmm::gpu
