// In a sanitizer build (VMM_SANITIZE), LeakSanitizer checks gpu_renderer_tests at exit, and
// the GPU stack the renderer loads (virglrenderer, Mesa's EGL, GL and Vulkan drivers, LLVM)
// keeps allocations for the process's lifetime by design: they are reported only when a
// leaked block's allocation stack passes through vmm's own code and none of these.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libvirglrenderer.so\n"
         "leak:libgallium\n"
         "leak:_dri.so\n"
         "leak:libLLVM\n"
         "leak:libEGL\n"
         "leak:libGLX\n"
         "leak:libglapi\n"
         "leak:libgbm\n"
         "leak:libdrm\n"
         "leak:libepoxy\n"
         "leak:libvulkan\n"
         "leak:libwayland\n"
         "leak:libX11\n"
         "leak:libxcb\n";
}

// Those suppressions match by library name, and a library's name is only known while it is
// loaded. EGL dlopen()s Mesa's DRI driver for each display and dlclose()s it when the
// display goes, and LeakSanitizer checks at exit, after that: a block leaked inside the
// driver then shows as "<unknown module>", which no suppression can name. Whether that
// happens depends on the machine (on some, every GpuRendererTest failed this way while
// passing all its assertions). So the software drivers the tests use are loaded once more
// here, never to be unloaded (RTLD_NODELETE): EGL's own dlopen() finds them already loaded,
// its dlclose() leaves them, and their frames keep their names until LSan has checked.
#include <dlfcn.h>
#include <sys/stat.h>

#include <string>

namespace {

__attribute__((constructor)) void keep_mesa_software_drivers_loaded() {
  for (const char* dir : {"/usr/lib/x86_64-linux-gnu/dri", "/usr/lib/aarch64-linux-gnu/dri",
                          "/usr/lib64/dri", "/usr/lib/dri"}) {
    for (const char* driver : {"swrast_dri.so", "kms_swrast_dri.so"}) {
      const std::string path = std::string(dir) + "/" + driver;
      struct stat st;
      if (stat(path.c_str(), &st) == 0) dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    }
  }
}

}  // namespace
