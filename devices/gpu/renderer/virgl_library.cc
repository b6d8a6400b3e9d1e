#include "devices/gpu/renderer/virgl_library.h"

#include <dlfcn.h>

#include <cstdlib>

namespace vmm::gpu {

std::unique_ptr<VirglLibrary> VirglLibrary::open(std::string* error) {
  std::unique_ptr<VirglLibrary> lib(new VirglLibrary);
  const char* chosen = std::getenv("VMM_VIRGLRENDERER_LIBRARY");
  const std::string name = chosen != nullptr && *chosen != '\0' ? chosen : kSoname;
  lib->handle_ = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib->handle_ == nullptr) {
    const char* why = dlerror();
    *error = "cannot load " + name +
             (chosen ? " (from VMM_VIRGLRENDERER_LIBRARY)" : " (Debian package libvirglrenderer1)") +
             ": " + (why != nullptr ? why : "unknown reason");
    return nullptr;
  }
  bool complete = true;
  auto resolve = [&](auto& entry, const char* symbol) {
    entry = reinterpret_cast<std::remove_reference_t<decltype(entry)>>(dlsym(lib->handle_, symbol));
    if (entry == nullptr && complete) {
      *error = std::string(kSoname) + " lacks " + symbol + ": vmm needs virglrenderer 0.10 or later";
      complete = false;
    }
  };
#define VMM_VIRGL_RESOLVE(name) resolve(lib->name, #name)
  VMM_VIRGL_RESOLVE(virgl_renderer_init);
  VMM_VIRGL_RESOLVE(virgl_renderer_cleanup);
  VMM_VIRGL_RESOLVE(virgl_renderer_poll);
  VMM_VIRGL_RESOLVE(virgl_renderer_get_poll_fd);
  VMM_VIRGL_RESOLVE(virgl_renderer_get_cap_set);
  VMM_VIRGL_RESOLVE(virgl_renderer_fill_caps);
  VMM_VIRGL_RESOLVE(virgl_renderer_context_create);
  VMM_VIRGL_RESOLVE(virgl_renderer_context_create_with_flags);
  VMM_VIRGL_RESOLVE(virgl_renderer_context_destroy);
  VMM_VIRGL_RESOLVE(virgl_renderer_ctx_attach_resource);
  VMM_VIRGL_RESOLVE(virgl_renderer_ctx_detach_resource);
  VMM_VIRGL_RESOLVE(virgl_renderer_submit_cmd);
  VMM_VIRGL_RESOLVE(virgl_renderer_resource_create);
  VMM_VIRGL_RESOLVE(virgl_renderer_resource_unref);
  VMM_VIRGL_RESOLVE(virgl_renderer_resource_attach_iov);
  VMM_VIRGL_RESOLVE(virgl_renderer_resource_detach_iov);
  VMM_VIRGL_RESOLVE(virgl_renderer_transfer_write_iov);
  VMM_VIRGL_RESOLVE(virgl_renderer_transfer_read_iov);
  VMM_VIRGL_RESOLVE(virgl_renderer_resource_create_blob);
  VMM_VIRGL_RESOLVE(virgl_renderer_resource_map);
  VMM_VIRGL_RESOLVE(virgl_renderer_resource_unmap);
  VMM_VIRGL_RESOLVE(virgl_renderer_resource_get_map_info);
  VMM_VIRGL_RESOLVE(virgl_renderer_resource_export_blob);
  VMM_VIRGL_RESOLVE(virgl_renderer_create_fence);
  VMM_VIRGL_RESOLVE(virgl_renderer_context_create_fence);
  VMM_VIRGL_RESOLVE(virgl_renderer_context_poll);
  VMM_VIRGL_RESOLVE(virgl_set_debug_callback);
#undef VMM_VIRGL_RESOLVE
  if (!complete) return nullptr;
  return lib;
}

VirglLibrary::~VirglLibrary() {
  // Never dlclose: Mesa's drivers, loaded by it, register atexit handlers and threads that
  // must not outlive their code.
}

}  // namespace vmm::gpu
