#include "devices/gpu/process/hosted_renderer.h"

#include <dlfcn.h>

#include <cstring>
#include <vector>

#include "devices/gpu/process/log_line_forwarder.h"
#include "devices/gpu/process/render_server_launch.h"
#include "devices/gpu/renderer/virgl_library.h"
#include "devices/gpu/renderer/virgl_renderer.h"

namespace vmm::gpu::process {

namespace {

constexpr std::uint32_t kCapsetVenus = 4;

// The file the loader took libvirglrenderer.so.1 from (the renderer opened it already).
std::string loaded_library() {
  void* handle = dlopen(VirglLibrary::kSoname, RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) return {};
  void* symbol = dlsym(handle, "virgl_renderer_init");
  Dl_info info{};
  std::string path = symbol != nullptr && dladdr(symbol, &info) != 0 && info.dli_fname ? info.dli_fname : "";
  dlclose(handle);  // only the reference NOLOAD took
  return path;
}

}  // namespace

std::unique_ptr<HostedRenderer> HostedRenderer::create(RendererKind kind, const RendererRoot& root,
                                                       GpuRenderer::FenceRetired on_fence,
                                                       std::string* error) {
  std::unique_ptr<HostedRenderer> r(new HostedRenderer);
  HelloReply& h = r->hello_;
  h.virglrenderer_version = root.upstream_version();
  // virglrenderer has no call that returns its version (not in 0.10, not in 1.3): the
  // string is the Debian package's, from the manifest scripts/renderer-root wrote.
  h.version_source = "Debian package libvirglrenderer1=" + root.debian_version + " (" +
                     root.manifest() + "; virglrenderer has no version call)";

  VirglRendererSetup setup;
  setup.kind = kind;
  // Venus runs in the render server, started under the root's loader (render_server_launch.h).
  setup.render_server_fd = [&root] { return launch_render_server(root); };
  // Its messages go to the process's stderr (vmm's), one line each, prefixed; a guest's bad
  // stream makes them, so they are bounded (log_line_forwarder.h).
  setup.log = [](const std::string& line) {
    static BoundedLineLog log(2, "vmm-gpu-process: virglrenderer");
    log.write(line);
  };
  setup.origin = "virglrenderer " + h.virglrenderer_version + " in vmm-gpu-process";
  r->renderer_ = create_virgl_renderer_with(std::move(setup), std::move(on_fence), error);
  if (!r->renderer_) return nullptr;
  h.library = loaded_library();
  h.virgl_description = r->renderer_->description();
  for (const CapsetInfo& c : r->renderer_->capsets()) {
    h.capsets.push_back({c.id, c.max_version, c.max_size});
    if (c.id == 1 || c.id == 2) h.contexts |= kContextVirgl;
    if (c.id != kCapsetVenus) continue;
    // The Venus capset opens with its wire format version (0: the pre-release protocol).
    const auto caps = r->renderer_->capset(c.id, c.max_version);
    if (caps.size() >= 4) std::memcpy(&h.venus_wire_format, caps.data(), sizeof(h.venus_wire_format));
    h.contexts |= kContextVenus;
  }
  const bool want_venus = kind == RendererKind::Venus || kind == RendererKind::All;
  if (want_venus && !(h.contexts & kContextVenus))
    h.notes = "Venus asked for, but virglrenderer reports no Venus capset (no Vulkan 1.1 "
              "driver in the render server?)";
  return r;
}

}  // namespace vmm::gpu::process
