// gl_blob_roundtrip: the GL half of vmm's virgl end-to-end test (tests/linux/README.md).
//
// Runs in the Linux guest built by scripts/build-gl-guest, on Mesa's virgl driver over the
// virtio-gpu render node. It makes an EGL display on that node (EGL_PLATFORM_SURFACELESS_MESA,
// no window system), a GL context (desktop GL core, else GLES 3.1+), and then:
//
//   1. src := a buffer made with glBufferStorage(MAP_WRITE | MAP_PERSISTENT | MAP_COHERENT),
//      mapped once, persistently; the CPU writes a pattern into that mapping.
//      Mesa's virgl driver backs such a buffer with a VIRTGPU_BLOB_MEM_HOST3D blob that the
//      guest maps straight from the device's host-visible window when the device offers
//      RESOURCE_BLOB and HOST_VISIBLE (and the host's virgl capset offers buffer storage).
//   2. dst := a second such buffer (MAP_READ | MAP_PERSISTENT | MAP_COHERENT), mapped too.
//   3. glCopyBufferSubData(src -> dst): the copy is done by the host's GPU (virglrenderer).
//   4. a fence, waited for; the CPU reads dst through its mapping and compares with what it
//      computed itself, then does a second, offset copy of a new pattern into part of dst
//      and checks the whole of dst again (copied range new, the rest unchanged).
//
// Where the driver does not offer buffer storage (e.g. QEMU 7.2's virtio-gpu-gl, which has no
// blobs) it falls back to glBufferData + glMapBufferRange (mode=map-range), which still proves
// the GL path; --require-persistent makes that a failure. --any-renderer skips the virtio-gpu
// node and the virgl check, to try the program on a host (e.g. llvmpipe); --gles skips desktop GL.
//
// Output, one marker per line (the test greps these):
//   GL-ROUNDTRIP PARAM <name>=<value> ...       the virtio-gpu DRM parameters Mesa reads
//   GL-ROUNDTRIP VENDOR|RENDERER|VERSION <string>
//   GL-ROUNDTRIP MODE persistent-coherent|map-range <why>
//   GL-ROUNDTRIP MAP <name> <address> <line of /proc/self/maps>
//   GL-ROUNDTRIP HOSTMM <line of debugfs virtio-gpu-host-visible-mm>
//   GL-ROUNDTRIP PAT: [mem 0x<start>-0x<end>] <cache mode>   the guest's mapping of each blob
//   GL-ROUNDTRIP OK bytes=<n> fnv1a=0x<dst's FNV-1a> src_fnv1a=0x<src's> mode=<mode>
//   GL-ROUNDTRIP FAIL <why>
// Exit status 0 on OK, 1 on FAIL.
#define _GNU_SOURCE
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GL/glcorearb.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "guest_pat.h"

// The virtio-gpu DRM UAPI, declared here: Debian 12's libdrm-dev predates the blob
// parameters, and only GETPARAM is needed.
struct vgl_getparam {
  uint64_t param;
  uint64_t value;  // user pointer to a u64
};
#define VGL_DRM_IOCTL_BASE 'd'
#define VGL_DRM_COMMAND_BASE 0x40
#define VGL_IOCTL_VIRTGPU_GETPARAM \
  _IOWR(VGL_DRM_IOCTL_BASE, VGL_DRM_COMMAND_BASE + 0x03, struct vgl_getparam)
_Static_assert(VGL_IOCTL_VIRTGPU_GETPARAM == 0xc0106443, "DRM_IOCTL_VIRTGPU_GETPARAM");

#ifndef EGL_PLATFORM_SURFACELESS_MESA
#define EGL_PLATFORM_SURFACELESS_MESA 0x31DD
#endif
#ifndef GL_MAP_PERSISTENT_BIT_EXT
#define GL_MAP_PERSISTENT_BIT_EXT 0x0040
#endif

// 3 MiB: larger than Mesa's own 1 MiB upload buffers (which are persistent blobs too when
// the device offers them), so this buffer's blob is the one slot of exactly this size.
#define BUF_BYTES (3u << 20)

static const char* mode = "none";

static void say(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("GL-ROUNDTRIP ", stdout);
  vprintf(fmt, ap);
  fputc('\n', stdout);
  fflush(stdout);
  va_end(ap);
}

static int fail(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("GL-ROUNDTRIP FAIL ", stdout);
  vprintf(fmt, ap);
  fprintf(stdout, " (mode=%s)\n", mode);
  fflush(stdout);
  va_end(ap);
  return 1;
}

static uint32_t fnv1a(const void* data, size_t n) {
  const unsigned char* p = data;
  uint32_t h = 0x811c9dc5u;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x01000193u;
  return h;
}

// A pattern no two words of which repeat, seeded so that the two passes differ.
static void fill_pattern(uint32_t* w, size_t words, uint32_t seed) {
  uint32_t x = seed * 0x9e3779b9u + 0x7f4a7c15u;
  for (size_t i = 0; i < words; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    w[i] = x ^ (uint32_t)i;
  }
}

// --- what the kernel and the device told the guest --------------------------------------------

// DRM_IOCTL_VERSION, for the driver's name.
struct vgl_version {
  int version_major, version_minor, version_patchlevel;
  size_t name_len;
  char* name;
  size_t date_len;
  char* date;
  size_t desc_len;
  char* desc;
};
#define VGL_IOCTL_VERSION _IOWR(VGL_DRM_IOCTL_BASE, 0x00, struct vgl_version)
_Static_assert(VGL_IOCTL_VERSION == 0xc0406400, "DRM_IOCTL_VERSION");

// The first render node whose DRM driver is virtio_gpu (DRM_IOCTL_VERSION's name: the sysfs
// parent of the node is the PCI function, bound to virtio-pci, not the virtio device).
static int find_render_node(char* path, size_t n) {
  DIR* d = opendir("/dev/dri");
  if (!d) return -1;
  struct dirent* e;
  int found = -1;
  while (found != 0 && (e = readdir(d)) != NULL) {
    if (strncmp(e->d_name, "renderD", 7) != 0) continue;
    snprintf(path, n, "/dev/dri/%s", e->d_name);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) continue;
    char name[64] = {0};
    struct vgl_version v = {.name_len = sizeof name - 1, .name = name};
    if (ioctl(fd, VGL_IOCTL_VERSION, &v) == 0 && strcmp(name, "virtio_gpu") == 0) found = 0;
    else say("NOTE %s is driven by %s, not virtio_gpu", path, name[0] ? name : "?");
    close(fd);
  }
  closedir(d);
  return found;
}

static void print_drm_params(const char* node) {
  static const struct {
    uint64_t id;
    const char* name;
  } params[] = {{1, "3D_FEATURES"},  {2, "CAPSET_QUERY_FIX"}, {3, "RESOURCE_BLOB"},
                {4, "HOST_VISIBLE"}, {5, "CROSS_DEVICE"},     {6, "CONTEXT_INIT"},
                {7, "SUPPORTED_CAPSET_IDs"}};
  int fd = open(node, O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    say("PARAM cannot open %s: %s", node, strerror(errno));
    return;
  }
  char line[512];
  int off = snprintf(line, sizeof line, "PARAM node=%s", node);
  for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
    uint64_t value = 0;
    struct vgl_getparam gp = {.param = params[i].id, .value = (uintptr_t)&value};
    if (ioctl(fd, VGL_IOCTL_VIRTGPU_GETPARAM, &gp) != 0)
      off += snprintf(line + off, sizeof line - off, " %s=err(%s)", params[i].name,
                      strerror(errno));
    else
      off += snprintf(line + off, sizeof line - off, " %s=0x%" PRIx64, params[i].name, value);
  }
  close(fd);
  say("%s", line);
}

// Every line of a small text file, each prefixed with TAG.
static void print_file(const char* tag, const char* path) {
  FILE* f = fopen(path, "r");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    say("%s %s", tag, line);
  }
  fclose(f);
}

// A virtio-gpu debugfs file, once: dri/<primary minor> and dri/<render minor> show the same.
static void print_debugfs(const char* file_name, const char* tag) {
  DIR* d = opendir("/sys/kernel/debug/dri");
  if (!d) return;
  struct dirent* e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char path[512];
    snprintf(path, sizeof path, "/sys/kernel/debug/dri/%s/%s", e->d_name, file_name);
    if (access(path, R_OK) == 0) {
      print_file(tag, path);
      break;
    }
  }
  closedir(d);
}

// The /proc/self/maps line that holds ADDR: which file (the DRM node) backs the mapping.
static void print_mapping(const char* name, const void* addr) {
  FILE* f = fopen("/proc/self/maps", "r");
  if (!f) return;
  char line[512];
  uintptr_t a = (uintptr_t)addr;
  while (fgets(line, sizeof line, f)) {
    uintptr_t lo, hi;
    if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &lo, &hi) == 2 && a >= lo && a < hi) {
      line[strcspn(line, "\n")] = 0;
      say("MAP %s %p %s", name, addr, line);
      break;
    }
  }
  fclose(f);
}

// --- GL -------------------------------------------------------------------------------------------

static PFNGLGETSTRINGPROC pglGetString;
static PFNGLGETSTRINGIPROC pglGetStringi;
static PFNGLGETINTEGERVPROC pglGetIntegerv;
static PFNGLGETERRORPROC pglGetError;
static PFNGLGENBUFFERSPROC pglGenBuffers;
static PFNGLDELETEBUFFERSPROC pglDeleteBuffers;
static PFNGLBINDBUFFERPROC pglBindBuffer;
static PFNGLBUFFERDATAPROC pglBufferData;
static PFNGLBUFFERSTORAGEPROC pglBufferStorage;
static PFNGLMAPBUFFERRANGEPROC pglMapBufferRange;
static PFNGLUNMAPBUFFERPROC pglUnmapBuffer;
static PFNGLCOPYBUFFERSUBDATAPROC pglCopyBufferSubData;
static PFNGLFENCESYNCPROC pglFenceSync;
static PFNGLCLIENTWAITSYNCPROC pglClientWaitSync;
static PFNGLDELETESYNCPROC pglDeleteSync;
static PFNGLMEMORYBARRIERPROC pglMemoryBarrier;
static PFNGLGETBUFFERSUBDATAPROC pglGetBufferSubData;
static PFNGLFINISHPROC pglFinish;

static void* need(const char* name, int* missing) {
  void* p = (void*)eglGetProcAddress(name);
  if (!p) {
    say("NOTE no %s", name);
    ++*missing;
  }
  return p;
}

static int has_extension(const char* ext) {
  GLint n = 0;
  pglGetIntegerv(GL_NUM_EXTENSIONS, &n);
  for (GLint i = 0; i < n; i++) {
    const char* e = (const char*)pglGetStringi(GL_EXTENSIONS, (GLuint)i);
    if (e && strcmp(e, ext) == 0) return 1;
  }
  return 0;
}

static const char* gl_error_name(GLenum e) {
  switch (e) {
    case GL_NO_ERROR: return "GL_NO_ERROR";
    case GL_INVALID_ENUM: return "GL_INVALID_ENUM";
    case GL_INVALID_VALUE: return "GL_INVALID_VALUE";
    case GL_INVALID_OPERATION: return "GL_INVALID_OPERATION";
    case GL_OUT_OF_MEMORY: return "GL_OUT_OF_MEMORY";
    default: return "GL error";
  }
}

// Fails with STEP's name when GL recorded an error.
#define GL_CHECK(step)                                                                  \
  do {                                                                                  \
    GLenum e_ = pglGetError();                                                          \
    if (e_ != GL_NO_ERROR) return fail("%s: %s (0x%x)", step, gl_error_name(e_), e_); \
  } while (0)

static int wait_gpu(const char* step) {
  if (pglMemoryBarrier) pglMemoryBarrier(GL_CLIENT_MAPPED_BUFFER_BARRIER_BIT);
  GLsync s = pglFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
  if (!s) return fail("%s: glFenceSync returned 0", step);
  GLenum r = pglClientWaitSync(s, GL_SYNC_FLUSH_COMMANDS_BIT, 30ull * 1000 * 1000 * 1000);
  pglDeleteSync(s);
  if (r != GL_ALREADY_SIGNALED && r != GL_CONDITION_SATISFIED)
    return fail("%s: glClientWaitSync returned 0x%x", step, r);
  return 0;
}

// First word that differs, or -1.
static long first_mismatch(const uint32_t* got, const uint32_t* want, size_t words) {
  for (size_t i = 0; i < words; i++)
    if (got[i] != want[i]) return (long)i;
  return -1;
}

static int report_mismatch(const char* what, const uint32_t* got, const uint32_t* want,
                           long at, size_t words) {
  size_t bad = 0;
  for (size_t i = (size_t)at; i < words; i++) bad += got[i] != want[i];
  return fail("%s: %zu of %zu words differ, first at byte %ld: got 0x%08x want 0x%08x", what,
              bad, words, at * 4, got[at], want[at]);
}

static int roundtrip(int persistent, int is_gles) {
  const size_t words = BUF_BYTES / 4;
  uint32_t* want = malloc(BUF_BYTES);
  uint32_t* got = malloc(BUF_BYTES);
  if (!want || !got) return fail("malloc");

  GLuint buf[2];
  pglGenBuffers(2, buf);
  GLuint src = buf[0], dst = buf[1];
  const GLbitfield pc = GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT;
  uint32_t *src_map = NULL, *dst_map = NULL;

  pglBindBuffer(GL_COPY_READ_BUFFER, src);
  pglBindBuffer(GL_COPY_WRITE_BUFFER, dst);
  if (persistent) {
    pglBufferStorage(GL_COPY_READ_BUFFER, BUF_BYTES, NULL, GL_MAP_WRITE_BIT | pc);
    GL_CHECK("glBufferStorage(src, MAP_WRITE|PERSISTENT|COHERENT)");
    pglBufferStorage(GL_COPY_WRITE_BUFFER, BUF_BYTES, NULL, GL_MAP_READ_BIT | pc);
    GL_CHECK("glBufferStorage(dst, MAP_READ|PERSISTENT|COHERENT)");
    src_map = pglMapBufferRange(GL_COPY_READ_BUFFER, 0, BUF_BYTES, GL_MAP_WRITE_BIT | pc);
    GL_CHECK("glMapBufferRange(src, WRITE|PERSISTENT|COHERENT)");
    dst_map = pglMapBufferRange(GL_COPY_WRITE_BUFFER, 0, BUF_BYTES, GL_MAP_READ_BIT | pc);
    GL_CHECK("glMapBufferRange(dst, READ|PERSISTENT|COHERENT)");
    if (!src_map || !dst_map) return fail("persistent map returned NULL");
    print_mapping("src", src_map);
    print_mapping("dst", dst_map);
  } else {
    pglBufferData(GL_COPY_READ_BUFFER, BUF_BYTES, NULL, GL_STREAM_DRAW);
    pglBufferData(GL_COPY_WRITE_BUFFER, BUF_BYTES, NULL, GL_STREAM_READ);
    GL_CHECK("glBufferData");
  }

  // Pass 1: the whole buffer.
  fill_pattern(want, words, 1);
  if (persistent) {
    memcpy(src_map, want, BUF_BYTES);  // straight into the mapping (the blob)
  } else {
    void* p = pglMapBufferRange(GL_COPY_READ_BUFFER, 0, BUF_BYTES,
                                GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_BUFFER_BIT);
    GL_CHECK("glMapBufferRange(src, WRITE)");
    if (!p) return fail("glMapBufferRange(src) returned NULL");
    memcpy(p, want, BUF_BYTES);
    if (!pglUnmapBuffer(GL_COPY_READ_BUFFER)) return fail("glUnmapBuffer(src) lost the data");
  }
  pglCopyBufferSubData(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, 0, 0, BUF_BYTES);
  GL_CHECK("glCopyBufferSubData(src -> dst, whole)");
  if (wait_gpu("copy 1")) return 1;

  if (persistent) {
    memcpy(got, dst_map, BUF_BYTES);
  } else {
    void* p = pglMapBufferRange(GL_COPY_WRITE_BUFFER, 0, BUF_BYTES, GL_MAP_READ_BIT);
    GL_CHECK("glMapBufferRange(dst, READ)");
    if (!p) return fail("glMapBufferRange(dst) returned NULL");
    memcpy(got, p, BUF_BYTES);
    pglUnmapBuffer(GL_COPY_WRITE_BUFFER);
  }
  long at = first_mismatch(got, want, words);
  if (at >= 0) return report_mismatch("copy 1 (whole buffer) read back", got, want, at, words);
  say("STEP copy1 whole buffer round-tripped, fnv1a=0x%08x", fnv1a(got, BUF_BYTES));

  // Pass 2: a new pattern in src, a part of it copied to another offset of dst.
  const size_t src_off = 4096 + 64, dst_off = 1u << 20, len = BUF_BYTES / 2 - 8192;
  uint32_t* fresh = malloc(BUF_BYTES);
  if (!fresh) return fail("malloc");
  fill_pattern(fresh, words, 2);
  if (persistent) {
    memcpy(src_map, fresh, BUF_BYTES);
  } else {
    void* p = pglMapBufferRange(GL_COPY_READ_BUFFER, 0, BUF_BYTES,
                                GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_BUFFER_BIT);
    if (!p) return fail("glMapBufferRange(src, pass 2) returned NULL");
    memcpy(p, fresh, BUF_BYTES);
    pglUnmapBuffer(GL_COPY_READ_BUFFER);
  }
  pglCopyBufferSubData(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, src_off, dst_off, len);
  GL_CHECK("glCopyBufferSubData(src+off -> dst+off)");
  if (wait_gpu("copy 2")) return 1;
  memcpy((char*)want + dst_off, (char*)fresh + src_off, len);
  if (persistent) {
    memcpy(got, dst_map, BUF_BYTES);
  } else {
    void* p = pglMapBufferRange(GL_COPY_WRITE_BUFFER, 0, BUF_BYTES, GL_MAP_READ_BIT);
    if (!p) return fail("glMapBufferRange(dst, pass 2) returned NULL");
    memcpy(got, p, BUF_BYTES);
    pglUnmapBuffer(GL_COPY_WRITE_BUFFER);
  }
  at = first_mismatch(got, want, words);
  if (at >= 0) return report_mismatch("copy 2 (offset range) read back", got, want, at, words);
  say("STEP copy2 src+0x%zx -> dst+0x%zx len=0x%zx round-tripped", src_off, dst_off, len);

  // Desktop GL: the same bytes through glGetBufferSubData, a path that is not the mapping.
  if (!is_gles && pglGetBufferSubData) {
    memset(got, 0, BUF_BYTES);
    pglGetBufferSubData(GL_COPY_WRITE_BUFFER, 0, BUF_BYTES, got);
    GL_CHECK("glGetBufferSubData(dst)");
    at = first_mismatch(got, want, words);
    if (at >= 0) return report_mismatch("glGetBufferSubData(dst)", got, want, at, words);
    say("STEP getbuffersubdata agrees with the mapping");
  }

  // While both buffers live: what the guest driver placed in the host-visible window.
  print_debugfs("virtio-gpu-host-visible-mm", "HOSTMM");
  print_blob_pat("GL-ROUNDTRIP ");

  // What each buffer holds now: dst what was read back, src the second pattern. vmm's trace
  // hashes each blob's memory when its slot is removed; the test compares.
  uint32_t sum = fnv1a(want, BUF_BYTES), src_sum = fnv1a(fresh, BUF_BYTES);
  if (persistent) {
    pglUnmapBuffer(GL_COPY_READ_BUFFER);
    pglUnmapBuffer(GL_COPY_WRITE_BUFFER);
  }
  pglDeleteBuffers(2, buf);
  pglFinish();
  GL_CHECK("teardown");
  say("OK bytes=%u fnv1a=0x%08x src_fnv1a=0x%08x mode=%s", BUF_BYTES, sum, src_sum, mode);
  free(want);
  free(got);
  free(fresh);
  return 0;
}

static const char* egl_error_name(EGLint e) {
  switch (e) {
    case EGL_SUCCESS: return "EGL_SUCCESS";
    case EGL_NOT_INITIALIZED: return "EGL_NOT_INITIALIZED";
    case EGL_BAD_ACCESS: return "EGL_BAD_ACCESS";
    case EGL_BAD_ALLOC: return "EGL_BAD_ALLOC";
    case EGL_BAD_ATTRIBUTE: return "EGL_BAD_ATTRIBUTE";
    case EGL_BAD_CONFIG: return "EGL_BAD_CONFIG";
    case EGL_BAD_CONTEXT: return "EGL_BAD_CONTEXT";
    case EGL_BAD_DISPLAY: return "EGL_BAD_DISPLAY";
    case EGL_BAD_MATCH: return "EGL_BAD_MATCH";
    case EGL_BAD_PARAMETER: return "EGL_BAD_PARAMETER";
    default: return "EGL error";
  }
}

int main(int argc, char** argv) {
  int require_persistent = 0, any_renderer = 0, force_gles = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--require-persistent") == 0) {
      require_persistent = 1;
    } else if (strcmp(argv[i], "--any-renderer") == 0) {
      any_renderer = 1;  // for trying the program on a host (llvmpipe), not in the test
    } else if (strcmp(argv[i], "--gles") == 0) {
      force_gles = 1;
    } else {
      fprintf(stderr, "usage: %s [--require-persistent] [--any-renderer] [--gles]\n", argv[0]);
      return 2;
    }
  }
  setvbuf(stdout, NULL, _IOLBF, 0);

  char node[300];
  if (!any_renderer) {
    if (find_render_node(node, sizeof node) != 0)
      return fail("no render node under /dev/dri is driven by virtio_gpu");
    print_drm_params(node);
    print_debugfs("virtio-gpu-features", "FEATURES");
  }

  PFNEGLGETPLATFORMDISPLAYEXTPROC get_platform_display =
      (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
  if (!get_platform_display) return fail("no eglGetPlatformDisplayEXT");
  EGLDisplay dpy = get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
  if (dpy == EGL_NO_DISPLAY) return fail("eglGetPlatformDisplayEXT(SURFACELESS_MESA): no display");
  EGLint major, minor;
  if (!eglInitialize(dpy, &major, &minor))
    return fail("eglInitialize: %s", egl_error_name(eglGetError()));
  say("EGL %d.%d %s", major, minor, eglQueryString(dpy, EGL_VENDOR));

  // Desktop GL core first (3.2 asked: Mesa gives its highest core version), else GLES 3.
  int is_gles = 0;
  EGLContext ctx = EGL_NO_CONTEXT;
  if (!force_gles && eglBindAPI(EGL_OPENGL_API)) {
    const EGLint attrs[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 2,
                            EGL_CONTEXT_OPENGL_PROFILE_MASK,
                            EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT, EGL_NONE};
    ctx = eglCreateContext(dpy, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, attrs);
    if (ctx == EGL_NO_CONTEXT)
      say("NOTE desktop GL 3.2 core context: %s; trying GLES 3", egl_error_name(eglGetError()));
  }
  if (ctx == EGL_NO_CONTEXT) {
    is_gles = 1;
    if (!eglBindAPI(EGL_OPENGL_ES_API)) return fail("eglBindAPI(EGL_OPENGL_ES_API)");
    const EGLint attrs[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 1, EGL_NONE};
    ctx = eglCreateContext(dpy, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, attrs);
    if (ctx == EGL_NO_CONTEXT)
      return fail("eglCreateContext(GLES 3.1): %s", egl_error_name(eglGetError()));
  }
  if (!eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx))
    return fail("eglMakeCurrent(surfaceless): %s", egl_error_name(eglGetError()));

  int missing = 0;
  pglGetString = need("glGetString", &missing);
  pglGetStringi = need("glGetStringi", &missing);
  pglGetIntegerv = need("glGetIntegerv", &missing);
  pglGetError = need("glGetError", &missing);
  pglGenBuffers = need("glGenBuffers", &missing);
  pglDeleteBuffers = need("glDeleteBuffers", &missing);
  pglBindBuffer = need("glBindBuffer", &missing);
  pglBufferData = need("glBufferData", &missing);
  pglMapBufferRange = need("glMapBufferRange", &missing);
  pglUnmapBuffer = need("glUnmapBuffer", &missing);
  pglCopyBufferSubData = need("glCopyBufferSubData", &missing);
  pglFenceSync = need("glFenceSync", &missing);
  pglClientWaitSync = need("glClientWaitSync", &missing);
  pglDeleteSync = need("glDeleteSync", &missing);
  pglFinish = need("glFinish", &missing);
  if (missing) return fail("%d GL entry points missing", missing);
  pglMemoryBarrier = (PFNGLMEMORYBARRIERPROC)eglGetProcAddress("glMemoryBarrier");
  if (!is_gles)
    pglGetBufferSubData = (PFNGLGETBUFFERSUBDATAPROC)eglGetProcAddress("glGetBufferSubData");

  const char* vendor = (const char*)pglGetString(GL_VENDOR);
  const char* renderer = (const char*)pglGetString(GL_RENDERER);
  const char* version = (const char*)pglGetString(GL_VERSION);
  say("VENDOR %s", vendor ? vendor : "?");
  say("RENDERER %s", renderer ? renderer : "?");
  say("VERSION %s", version ? version : "?");
  if (!any_renderer && (!renderer || strncmp(renderer, "virgl", 5) != 0))
    return fail("the renderer is not Mesa's virgl driver: %s", renderer ? renderer : "?");

  GLint gl_major = 0, gl_minor = 0;
  pglGetIntegerv(GL_MAJOR_VERSION, &gl_major);
  pglGetIntegerv(GL_MINOR_VERSION, &gl_minor);
  int storage = 0;
  const char* why = "";
  if (is_gles) {
    if (has_extension("GL_EXT_buffer_storage")) {
      pglBufferStorage = (PFNGLBUFFERSTORAGEPROC)eglGetProcAddress("glBufferStorageEXT");
      storage = pglBufferStorage != NULL;
      why = "GL_EXT_buffer_storage";
    }
  } else if (gl_major * 10 + gl_minor >= 44 || has_extension("GL_ARB_buffer_storage")) {
    pglBufferStorage = (PFNGLBUFFERSTORAGEPROC)eglGetProcAddress("glBufferStorage");
    storage = pglBufferStorage != NULL;
    why = gl_major * 10 + gl_minor >= 44 ? "GL 4.4 core" : "GL_ARB_buffer_storage";
  }
  if (storage) {
    mode = "persistent-coherent";
    say("MODE %s (glBufferStorage from %s, %s %d.%d)", mode, why, is_gles ? "GLES" : "GL",
        gl_major, gl_minor);
  } else {
    mode = "map-range";
    say("MODE %s (no buffer storage: the driver does not offer "
        "PIPE_CAP_BUFFER_MAP_PERSISTENT_COHERENT; %s %d.%d)",
        mode, is_gles ? "GLES" : "GL", gl_major, gl_minor);
    if (require_persistent)
      return fail("--require-persistent: no GL_ARB_buffer_storage / GL_EXT_buffer_storage");
  }

  int rc = roundtrip(storage, is_gles);
  eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  eglDestroyContext(dpy, ctx);
  eglTerminate(dpy);
  return rc;
}
