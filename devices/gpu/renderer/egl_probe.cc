#include "devices/gpu/renderer/egl_probe.h"

#include <dlfcn.h>

#include <cstdint>
#include <sstream>

namespace vmm::gpu {

namespace {

// EGL's types and numbers (Khronos EGL 1.5 and EGL_MESA_platform_surfaceless), declared here
// so vmm builds without libegl-dev; the library itself is opened at run time.
using EGLDisplay = void*;
using EGLint = std::int32_t;
using EGLenum = unsigned int;
constexpr EGLenum kPlatformSurfacelessMesa = 0x31DD;
constexpr EGLint kVendor = 0x3053;
constexpr EGLint kVersion = 0x3054;
using GetPlatformDisplay = EGLDisplay (*)(EGLenum, void*, const intptr_t*);
using GetProcAddress = void* (*)(const char*);
using Initialize = unsigned (*)(EGLDisplay, EGLint*, EGLint*);
using Terminate = unsigned (*)(EGLDisplay);
using QueryString = const char* (*)(EGLDisplay, EGLint);
using GetError = EGLint (*)();

std::string hex(EGLint code) {
  std::ostringstream out;
  out << "0x" << std::hex << code;
  return out.str();
}

}  // namespace

std::optional<EglProbe> probe_surfaceless_egl(std::string* error) {
  // Kept loaded: virglrenderer opens the same library right after, and Mesa must not be
  // unloaded under its threads.
  void* egl = dlopen("libEGL.so.1", RTLD_NOW | RTLD_LOCAL);
  if (egl == nullptr) {
    *error = "libEGL.so.1 not found (Debian packages libegl1 and libegl-mesa0): " +
             std::string(dlerror());
    return std::nullopt;
  }
  auto proc = reinterpret_cast<GetProcAddress>(dlsym(egl, "eglGetProcAddress"));
  auto init = reinterpret_cast<Initialize>(dlsym(egl, "eglInitialize"));
  auto term = reinterpret_cast<Terminate>(dlsym(egl, "eglTerminate"));
  auto query = reinterpret_cast<QueryString>(dlsym(egl, "eglQueryString"));
  auto last_error = reinterpret_cast<GetError>(dlsym(egl, "eglGetError"));
  auto platform = proc ? reinterpret_cast<GetPlatformDisplay>(proc("eglGetPlatformDisplayEXT")) : nullptr;
  if (!init || !term || !query || !last_error || !platform) {
    *error = "libEGL.so.1 lacks eglGetPlatformDisplayEXT or EGL 1.4 entry points";
    return std::nullopt;
  }
  EGLDisplay display = platform(kPlatformSurfacelessMesa, nullptr, nullptr);
  if (display == nullptr) {
    *error = "no surfaceless EGL display (EGL_MESA_platform_surfaceless): EGL error " +
             hex(last_error()) + "; install Mesa's EGL (libegl-mesa0)";
    return std::nullopt;
  }
  EGLint major = 0, minor = 0;
  if (!init(display, &major, &minor)) {
    *error = "the surfaceless EGL display does not initialise (EGL error " + hex(last_error()) +
             "): no usable render node and no software driver (libgl1-mesa-dri)";
    return std::nullopt;
  }
  EglProbe found;
  const char* vendor = query(display, kVendor);
  const char* version = query(display, kVersion);
  found.vendor = vendor ? vendor : "?";
  found.version = version ? version : "?";
  term(display);
  return found;
}

std::string current_gl_renderer() {
  void* epoxy = dlopen("libepoxy.so.0", RTLD_NOW | RTLD_NOLOAD);
  if (epoxy == nullptr) return {};
  using GetString = const unsigned char* (*)(unsigned);
  auto* entry = reinterpret_cast<GetString*>(dlsym(epoxy, "epoxy_glGetString"));
  dlclose(epoxy);  // RTLD_NOLOAD took a reference; virglrenderer keeps its own
  if (entry == nullptr || *entry == nullptr) return {};
  const unsigned char* renderer = (*entry)(0x1F01);  // GL_RENDERER
  const unsigned char* version = (*entry)(0x1F02);   // GL_VERSION
  if (renderer == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(renderer)) +
         (version ? ", GL " + std::string(reinterpret_cast<const char*>(version)) : "");
}

}  // namespace vmm::gpu
