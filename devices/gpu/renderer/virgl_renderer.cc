#include "devices/gpu/renderer/virgl_renderer.h"

#include <dlfcn.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

#include "devices/gpu/renderer/egl_probe.h"
#include "devices/gpu/renderer/virgl_library.h"

// virglrenderer.h only declares the transfer box; its layout is virgl_hw.h's (not
// installed): origin then extent, six 32-bit fields.
struct virgl_box {
  std::uint32_t x, y, z;
  std::uint32_t w, h, d;
};

namespace vmm::gpu {

namespace {

std::atomic<bool> g_renderer_exists{false};

// VIRTIO_GPU_CAPSET_*: the ids a guest may ask about. 3 (GFXSTREAM) and 5 (CROSS_DOMAIN)
// belong to other renderers; virglrenderer answers 0 bytes for them.
constexpr std::uint32_t kCapsetVirgl = 1, kCapsetVirgl2 = 2, kCapsetVenus = 4;
constexpr std::uint32_t kMaxCapsetBytes = 64 * 1024;  // larger answers are refused

// The one renderer's message sink: virglrenderer's debug callback takes no cookie.
std::function<void(const std::string&)> g_log;

void log_virgl_message(const char* format, va_list args) {
  if (!g_log) return;
  char line[256];
  std::vsnprintf(line, sizeof(line), format, args);
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  g_log(text);
}

class VirglRenderer final : public GpuRenderer {
 public:
  VirglRenderer(std::unique_ptr<VirglLibrary> lib, FenceRetired on_fence)
      : lib_(std::move(lib)), on_fence_(std::move(on_fence)) {
    callbacks_.version = 3;  // write_context_fence, get_server_fd, no caller EGL display
    callbacks_.write_fence = [](void* cookie, std::uint32_t fence) {
      static_cast<VirglRenderer*>(cookie)->on_fence_(0, 0, fence, false);
    };
    callbacks_.write_context_fence = [](void* cookie, std::uint32_t ctx, std::uint32_t ring,
                                        std::uint64_t fence) {
      static_cast<VirglRenderer*>(cookie)->on_fence_(ctx, ring, fence, true);
    };
    callbacks_.get_server_fd = [](void* cookie, std::uint32_t version) -> int {
      auto* self = static_cast<VirglRenderer*>(cookie);
      if (version != 0 || !self->server_fd_) return -EINVAL;
      return self->server_fd_();
    };
  }

  ~VirglRenderer() override {
    if (initialised_) lib_->virgl_renderer_cleanup(this);
    g_log = nullptr;
    g_renderer_exists = false;
  }

  bool init(const VirglRendererSetup& setup, std::string* error) {
    const RendererKind kind = setup.kind;
    server_fd_ = setup.render_server_fd;
    // No VIRGL_RENDERER_THREAD_SYNC: its fence thread ("vrend-sync") would be started here,
    // before the render thread confines itself, and run unconfined. Fences then retire in
    // virgl_renderer_poll(), which the render thread calls every RenderThread::kFencePollMs
    // while any are outstanding (poll_fd() is -1).
    int flags = 0;
    if (kind == RendererKind::Virgl || kind == RendererKind::All)
      flags |= VIRGL_RENDERER_USE_EGL | VIRGL_RENDERER_USE_SURFACELESS;
    else
      flags |= VIRGL_RENDERER_NO_VIRGL;
    if (kind == RendererKind::Venus || kind == RendererKind::All) {
      flags |= VIRGL_RENDERER_VENUS;
      if (server_fd_) flags |= VIRGL_RENDERER_RENDER_SERVER;
    }
    std::string egl;
    if (flags & VIRGL_RENDERER_USE_EGL) {
      auto probe = probe_surfaceless_egl(error);
      if (!probe) return false;
      egl = "EGL " + probe->version + " surfaceless (" + probe->vendor + ")";
    }
    lib_->virgl_set_debug_callback(log_virgl_message);
    if (int rc = lib_->virgl_renderer_init(this, flags, &callbacks_); rc != 0) {
      *error = "virgl_renderer_init failed (" + std::to_string(rc) + ")" +
               ((flags & VIRGL_RENDERER_VENUS) ? ": Venus needs a Vulkan 1.1 driver "
                                                 "(mesa-vulkan-drivers for lavapipe)"
                                               : ": the EGL display has no usable GL 3.1 context");
      return false;
    }
    initialised_ = true;
    std::string what;
    if (!(flags & VIRGL_RENDERER_NO_VIRGL)) {
      const std::string gl = current_gl_renderer();
      what = "virgl on " + egl + (gl.empty() ? "" : ": " + gl);
    }
    if (flags & VIRGL_RENDERER_VENUS)
      what += std::string(what.empty() ? "" : "; ") + "venus on the host's Vulkan driver" +
              venus_protocol_note();
    description_ = setup.origin + ": " + what;
    for (std::uint32_t id : {kCapsetVirgl, kCapsetVirgl2, kCapsetVenus}) {
      std::uint32_t version = 0, size = 0;
      lib_->virgl_renderer_get_cap_set(id, &version, &size);
      if (size == 0 || size > kMaxCapsetBytes) continue;
      if (id == kCapsetVenus ? !(flags & VIRGL_RENDERER_VENUS) : (flags & VIRGL_RENDERER_NO_VIRGL))
        continue;
      capsets_.push_back({id, version, size});
    }
    return true;
  }

  // The Venus capset opens with its wire format version (virglrenderer's
  // virgl_renderer_capset_venus). 0 is the protocol before it was declared stable, which
  // virglrenderer 0.10 speaks and current guest Mesa (23 and later) refuses with
  // "Unsupported wire format version 0": said at start-up, not discovered in a guest log.
  std::string venus_protocol_note() {
    std::uint32_t version = 0, size = 0;
    lib_->virgl_renderer_get_cap_set(kCapsetVenus, &version, &size);
    if (size < 4 || size > kMaxCapsetBytes) return " (no Venus capset)";
    std::vector<std::uint8_t> caps(size);
    lib_->virgl_renderer_fill_caps(kCapsetVenus, version, caps.data());
    std::uint32_t wire_format = 0;
    std::memcpy(&wire_format, caps.data(), sizeof(wire_format));
    if (wire_format == 0)
      return " (Venus wire format 0, the pre-release protocol: guest Mesa 23 or later refuses "
             "it; virglrenderer 1.0 or later speaks format 1)";
    return " (Venus wire format " + std::to_string(wire_format) + ")";
  }

  std::string description() const override { return description_; }
  std::vector<CapsetInfo> capsets() const override { return capsets_; }

  std::vector<std::uint8_t> capset(std::uint32_t id, std::uint32_t version) override {
    for (const CapsetInfo& info : capsets_) {
      if (info.id != id || version > info.max_version) continue;
      std::vector<std::uint8_t> bytes(info.max_size);
      lib_->virgl_renderer_fill_caps(id, version, bytes.data());
      return bytes;
    }
    return {};
  }

  int create_context(std::uint32_t ctx, std::uint32_t capset_id, std::string_view name) override {
    // capset 0: a driver without CONTEXT_INIT (Linux makes one per DRM file): virgl's
    // default context, which create_with_flags does not take.
    const auto nlen = static_cast<std::uint32_t>(name.size());
    const int rc = capset_id == 0
                       ? lib_->virgl_renderer_context_create(ctx, nlen, name.data())
                       : lib_->virgl_renderer_context_create_with_flags(
                             ctx, capset_id & VIRGL_RENDERER_CONTEXT_FLAG_CAPSET_ID_MASK, nlen,
                             name.data());
    if (rc == 0) contexts_.insert(ctx);
    return rc;
  }
  void destroy_context(std::uint32_t ctx) override {
    fenced_contexts_.erase(ctx);  // else it grows as the guest cycles context ids
    if (contexts_.erase(ctx)) lib_->virgl_renderer_context_destroy(ctx);
  }
  void attach_resource(std::uint32_t ctx, std::uint32_t res) override {
    lib_->virgl_renderer_ctx_attach_resource(static_cast<int>(ctx), static_cast<int>(res));
  }
  void detach_resource(std::uint32_t ctx, std::uint32_t res) override {
    lib_->virgl_renderer_ctx_detach_resource(static_cast<int>(ctx), static_cast<int>(res));
  }
  int submit(std::uint32_t ctx, std::span<const std::uint32_t> commands) override {
    return lib_->virgl_renderer_submit_cmd(const_cast<std::uint32_t*>(commands.data()),
                                           static_cast<int>(ctx),
                                           static_cast<int>(commands.size()));
  }

  // Both argument structs filled in the header's field order.
  int create_resource_3d(const Resource3dArgs& a) override {
    virgl_renderer_resource_create_args args{a.resource_id, a.target,     a.format,    a.bind,
                                             a.width,       a.height,     a.depth,     a.array_size,
                                             a.last_level,  a.nr_samples, a.flags};
    return lib_->virgl_renderer_resource_create(&args, nullptr, 0);
  }
  int create_blob(const BlobArgs& a) override {
    const virgl_renderer_resource_create_blob_args args{
        a.resource_id, a.ctx_id, a.blob_mem, a.blob_flags, a.blob_id, a.size, a.guest_pages.data(),
        static_cast<std::uint32_t>(a.guest_pages.size())};
    return lib_->virgl_renderer_resource_create_blob(&args);
  }
  void unref_resource(std::uint32_t res) override {
    detach_backing(res);
    lib_->virgl_renderer_resource_unref(res);
  }
  int attach_backing(std::uint32_t res, std::span<const iovec> pages) override {
    return lib_->virgl_renderer_resource_attach_iov(static_cast<int>(res),
                                                    const_cast<iovec*>(pages.data()),
                                                    static_cast<int>(pages.size()));
  }
  void detach_backing(std::uint32_t res) override {
    // virglrenderer hands back the iovec array it was given; the device owns that memory.
    iovec* pages = nullptr;
    int count = 0;
    lib_->virgl_renderer_resource_detach_iov(static_cast<int>(res), &pages, &count);
  }
  int transfer_to_host(const TransferArgs& a) override {
    virgl_box box = to_box(a);
    return lib_->virgl_renderer_transfer_write_iov(a.resource_id, a.ctx_id, static_cast<int>(a.level),
                                                   a.stride, a.layer_stride, &box, a.offset,
                                                   nullptr, 0);
  }
  int transfer_from_host(const TransferArgs& a, std::span<const iovec> into) override {
    virgl_box box = to_box(a);
    return lib_->virgl_renderer_transfer_read_iov(a.resource_id, a.ctx_id, a.level, a.stride,
                                                  a.layer_stride, &box, a.offset,
                                                  into.empty() ? nullptr : const_cast<iovec*>(into.data()),
                                                  static_cast<int>(into.size()));
  }

  int map_blob(std::uint32_t res, RendererMapping* out) override {
    void* data = nullptr;
    std::uint64_t size = 0;
    if (int rc = lib_->virgl_renderer_resource_map(res, &data, &size); rc != 0) return rc;
    out->data = static_cast<std::uint8_t*>(data);
    out->size = size;
    return 0;
  }
  int unmap_blob(std::uint32_t res) override { return lib_->virgl_renderer_resource_unmap(res); }
  int map_info(std::uint32_t res) override {
    std::uint32_t info = 0;
    if (int rc = lib_->virgl_renderer_resource_get_map_info(res, &info); rc != 0) return rc;
    return static_cast<int>(info & VIRGL_RENDERER_MAP_CACHE_MASK);
  }
  // Venus's blobs are the render server's memory, reaching virglrenderer as fds (lavapipe's
  // memfds, a GPU driver's dma-bufs); a virgl context's blob exports where its GL driver
  // can share the storage. Any of the three fd types maps with mmap; an opaque one holds
  // the blob where the driver put it (lavapipe: after a header page), not always at 0.
  int export_blob(std::uint32_t res, int* fd, bool* dma_buf) override {
    std::uint32_t fd_type = 0;
    const int rc = lib_->virgl_renderer_resource_export_blob(res, &fd_type, fd);
    *dma_buf = fd_type == VIRGL_RENDERER_BLOB_FD_TYPE_DMABUF;
    return rc;
  }

  int create_fence(std::uint32_t ctx, std::uint32_t ring, std::uint64_t fence_id,
                   bool per_context) override {
    if (per_context) {
      if (!contexts_.count(ctx)) return -EINVAL;  // would never retire
      fenced_contexts_.insert(ctx);
      return lib_->virgl_renderer_context_create_fence(ctx, 0, ring, fence_id);
    }
    // The global timeline's ids are 32-bit in virglrenderer's API: the guest's 64-bit ids
    // are compared by the device, which keeps the full value.
    return lib_->virgl_renderer_create_fence(static_cast<int>(fence_id), ctx);
  }
  void poll() override {
    lib_->virgl_renderer_poll();
    for (std::uint32_t ctx : fenced_contexts_)
      if (contexts_.count(ctx)) lib_->virgl_renderer_context_poll(ctx);
  }
  int poll_fd() const override { return lib_->virgl_renderer_get_poll_fd(); }

 private:
  static virgl_box to_box(const TransferArgs& a) { return virgl_box{a.x, a.y, a.z, a.w, a.h, a.d}; }

  std::unique_ptr<VirglLibrary> lib_;
  FenceRetired on_fence_;
  std::function<int()> server_fd_;
  virgl_renderer_callbacks callbacks_{};
  bool initialised_ = false;
  std::string description_;
  std::vector<CapsetInfo> capsets_;
  std::set<std::uint32_t> contexts_;
  std::set<std::uint32_t> fenced_contexts_;
};

}  // namespace

std::unique_ptr<GpuRenderer> create_virgl_renderer_with(VirglRendererSetup setup,
                                                        GpuRenderer::FenceRetired on_fence,
                                                        std::string* error) {
  if (setup.kind == RendererKind::None) {
    *error = "no renderer was asked for";
    return nullptr;
  }
  if (setup.kind == RendererKind::Drm) {  // make_gpu_backend refuses it first, saying why
    *error = "DRM native contexts are not served by vmm's virglrenderer backend";
    return nullptr;
  }
  if (g_renderer_exists.exchange(true)) {
    *error = "virglrenderer is already running in this process (it keeps global state)";
    return nullptr;
  }
  // Mesa's shader cache would open files under ~/.cache as shaders compile, after the
  // renderer has been confined (seccomp): off, unless the user decided otherwise.
  setenv("MESA_SHADER_CACHE_DISABLE", "true", /*overwrite=*/0);
  // llvmpipe runs the guest's shaders on rasterizer threads it starts when its screen is
  // made; in vmm that is before the render thread confines itself, so they would run
  // unconfined (a seccomp filter covers only the thread that installs it and threads
  // created after). With no rasterizer threads llvmpipe runs them on the calling thread,
  // under its filter: slower on a many-core host, contained. A user who sets LP_NUM_THREADS
  // chose otherwise.
  setenv("LP_NUM_THREADS", "0", /*overwrite=*/0);
  auto lib = VirglLibrary::open(error);
  if (!lib) {
    g_renderer_exists = false;
    return nullptr;
  }
  g_log = setup.log;
  auto renderer = std::make_unique<VirglRenderer>(std::move(lib), std::move(on_fence));
  if (!renderer->init(setup, error)) return nullptr;  // its destructor clears the flag
  return renderer;
}

}  // namespace vmm::gpu
