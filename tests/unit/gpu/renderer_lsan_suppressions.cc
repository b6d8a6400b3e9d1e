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
