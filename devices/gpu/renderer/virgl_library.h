// VirglLibrary: libvirglrenderer.so.1, opened with dlopen when the user asks for a renderer,
// so that a host without it still runs every other kind of guest, and the user who asks
// for one gets one line naming what is missing rather than the dynamic loader's refusal to
// start vmm at all. Each entry point is looked up once; a library missing one is refused
// whole (it is older than the 0.10 API vmm was written against).
#pragma once

#define VIRGL_RENDERER_UNSTABLE_APIS 1
#include <virgl/virglrenderer.h>

#include <memory>
#include <string>

namespace vmm::gpu {

struct VirglLibrary {
  static constexpr const char* kSoname = "libvirglrenderer.so.1";

  // Loads it (or the file VMM_VIRGLRENDERER_LIBRARY names: a virglrenderer build of your
  // own), or returns nullptr with one line in *error ("cannot load libvirglrenderer.so.1
  // (Debian package libvirglrenderer1): <dlerror>").
  static std::unique_ptr<VirglLibrary> open(std::string* error);
  ~VirglLibrary();

#define VMM_VIRGL_ENTRY(name) decltype(&::name) name = nullptr
  VMM_VIRGL_ENTRY(virgl_renderer_init);
  VMM_VIRGL_ENTRY(virgl_renderer_cleanup);
  VMM_VIRGL_ENTRY(virgl_renderer_poll);
  VMM_VIRGL_ENTRY(virgl_renderer_get_poll_fd);
  VMM_VIRGL_ENTRY(virgl_renderer_get_cap_set);
  VMM_VIRGL_ENTRY(virgl_renderer_fill_caps);
  VMM_VIRGL_ENTRY(virgl_renderer_context_create);
  VMM_VIRGL_ENTRY(virgl_renderer_context_create_with_flags);
  VMM_VIRGL_ENTRY(virgl_renderer_context_destroy);
  VMM_VIRGL_ENTRY(virgl_renderer_ctx_attach_resource);
  VMM_VIRGL_ENTRY(virgl_renderer_ctx_detach_resource);
  VMM_VIRGL_ENTRY(virgl_renderer_submit_cmd);
  VMM_VIRGL_ENTRY(virgl_renderer_resource_create);
  VMM_VIRGL_ENTRY(virgl_renderer_resource_unref);
  VMM_VIRGL_ENTRY(virgl_renderer_resource_attach_iov);
  VMM_VIRGL_ENTRY(virgl_renderer_resource_detach_iov);
  VMM_VIRGL_ENTRY(virgl_renderer_transfer_write_iov);
  VMM_VIRGL_ENTRY(virgl_renderer_transfer_read_iov);
  VMM_VIRGL_ENTRY(virgl_renderer_resource_create_blob);
  VMM_VIRGL_ENTRY(virgl_renderer_resource_map);
  VMM_VIRGL_ENTRY(virgl_renderer_resource_unmap);
  VMM_VIRGL_ENTRY(virgl_renderer_resource_get_map_info);
  VMM_VIRGL_ENTRY(virgl_renderer_resource_export_blob);
  VMM_VIRGL_ENTRY(virgl_renderer_create_fence);
  VMM_VIRGL_ENTRY(virgl_renderer_context_create_fence);
  VMM_VIRGL_ENTRY(virgl_renderer_context_poll);
  VMM_VIRGL_ENTRY(virgl_set_debug_callback);
#undef VMM_VIRGL_ENTRY

 private:
  VirglLibrary() = default;
  void* handle_ = nullptr;
};

}  // namespace vmm::gpu
