#include "devices/gpu/process/hosted_renderer.h"

#include <dlfcn.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <vector>

#include "devices/gpu/process/render_server_launch.h"
#include "devices/gpu/renderer/egl_probe.h"
#include "devices/gpu/renderer/virgl_library.h"

namespace vmm::gpu::process {

namespace {

// VIRTIO_GPU_CAPSET_*: VIRGL, VIRGL2, VENUS, and DRM (virglrenderer 1.x's native contexts).
constexpr std::uint32_t kCapsetIds[] = {1, 2, 4, 6};
constexpr std::uint32_t kCapsetVenus = 4;
constexpr std::uint32_t kMaxCapsetBytes = 64 * 1024;

// Its messages go to the process's stderr (vmm's), one line each, prefixed.
void log_virgl_message(const char* format, va_list args) {
  char line[256];
  std::vsnprintf(line, sizeof(line), format, args);
  std::size_t n = std::strlen(line);
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
  std::fprintf(stderr, "vmm-gpu-process: virglrenderer: %s\n", line);
}

}  // namespace

struct HostedRenderer::State {
  std::unique_ptr<VirglLibrary> lib;
  virgl_renderer_callbacks callbacks{};
  const RendererRoot* root = nullptr;
  bool initialised = false;
};

HostedRenderer::~HostedRenderer() {
  if (state_ && state_->initialised) state_->lib->virgl_renderer_cleanup(state_.get());
}

std::unique_ptr<HostedRenderer> HostedRenderer::create(RendererKind kind, const RendererRoot& root,
                                                       std::string* error) {
  std::unique_ptr<HostedRenderer> r(new HostedRenderer);
  r->state_ = std::make_unique<State>();
  State& s = *r->state_;
  s.root = &root;
  s.lib = VirglLibrary::open(error);  // the root's, through the loader's --library-path
  if (!s.lib) return nullptr;
  HelloReply& h = r->hello_;
  h.virglrenderer_version = root.upstream_version();
  // virglrenderer has no call that returns its version (not in 0.10, not in 1.3): the
  // string is the Debian package's, from the manifest scripts/renderer-root wrote.
  h.version_source = "Debian package libvirglrenderer1=" + root.debian_version + " (" +
                     root.manifest() + "; virglrenderer has no version call)";
  if (Dl_info info{}; dladdr(reinterpret_cast<void*>(s.lib->virgl_renderer_init), &info) != 0 &&
                      info.dli_fname != nullptr)
    h.library = info.dli_fname;

  const bool want_virgl = kind == RendererKind::Virgl || kind == RendererKind::All;
  const bool want_venus = kind == RendererKind::Venus || kind == RendererKind::All;
  int flags = want_virgl ? VIRGL_RENDERER_USE_EGL | VIRGL_RENDERER_USE_SURFACELESS
                         : VIRGL_RENDERER_NO_VIRGL;
  std::string egl;
  if (want_virgl) {
    auto probe = probe_surfaceless_egl(error);
    if (!probe) return nullptr;
    egl = "EGL " + probe->version + " surfaceless (" + probe->vendor + ")";
  }
  if (want_venus) flags |= VIRGL_RENDERER_VENUS | VIRGL_RENDERER_RENDER_SERVER;
  s.callbacks.version = 3;  // get_server_fd: render_server_launch.h says why
  s.callbacks.write_fence = [](void*, std::uint32_t) {};
  s.callbacks.write_context_fence = [](void*, std::uint32_t, std::uint32_t, std::uint64_t) {};
  s.callbacks.get_server_fd = [](void* cookie, std::uint32_t version) -> int {
    if (version != 0) return -EINVAL;
    return launch_render_server(*static_cast<State*>(cookie)->root);
  };
  s.lib->virgl_set_debug_callback(log_virgl_message);
  if (int rc = s.lib->virgl_renderer_init(&s, flags, &s.callbacks); rc != 0) {
    *error = "virgl_renderer_init failed (" + std::to_string(rc) + ") with " +
             (want_virgl ? "virgl on surfaceless EGL" : "") + (want_virgl && want_venus ? " and " : "") +
             (want_venus ? "Venus through the render server" : "");
    return nullptr;
  }
  s.initialised = true;
  if (want_virgl) {
    h.contexts |= kContextVirgl;
    const std::string gl = current_gl_renderer();
    h.virgl_description = egl + (gl.empty() ? "" : ": " + gl);
  }
  for (std::uint32_t id : kCapsetIds) {
    std::uint32_t version = 0, size = 0;
    s.lib->virgl_renderer_get_cap_set(id, &version, &size);
    if (size == 0 || size > kMaxCapsetBytes) continue;
    h.capsets.push_back({id, version, size});
    if (id != kCapsetVenus || size < 4) continue;
    // The Venus capset opens with its wire format version (0: the pre-release protocol).
    std::vector<std::uint8_t> caps(size);
    s.lib->virgl_renderer_fill_caps(id, version, caps.data());
    std::memcpy(&h.venus_wire_format, caps.data(), sizeof(h.venus_wire_format));
    h.contexts |= kContextVenus;
  }
  if (want_venus && !(h.contexts & kContextVenus))
    h.notes = "Venus asked for, but virglrenderer reports no Venus capset (no Vulkan 1.1 "
              "driver in the render server?)";
  return r;
}

}  // namespace vmm::gpu::process
