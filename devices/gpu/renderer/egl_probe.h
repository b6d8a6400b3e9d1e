// Looks for what virglrenderer's virgl contexts will draw with before it is asked to: a
// surfaceless EGL display (Mesa's EGL_MESA_platform_surfaceless: a GPU's render node when
// the host has one, else llvmpipe). virglrenderer itself only says "init failed"; this
// names what is missing, in one line, for the start-up error.
#pragma once

#include <optional>
#include <string>

namespace vmm::gpu {

struct EglProbe {
  std::string vendor;   // EGL_VENDOR, e.g. "Mesa Project"
  std::string version;  // EGL_VERSION, e.g. "1.5"
};

// nullopt with *error set: "libEGL.so.1 not found (...)", "no surfaceless EGL display: ...".
std::optional<EglProbe> probe_surfaceless_egl(std::string* error);

// GL_RENDERER and GL_VERSION of the context virglrenderer made current on this thread, read
// through libepoxy (already loaded by virglrenderer); "" when that is not possible. Used by
// the in-process renderer and by vmm-gpu-process.
std::string current_gl_renderer();

}  // namespace vmm::gpu
