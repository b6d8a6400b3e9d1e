// One virtio-gpu resource: a 2D image (RESOURCE_CREATE_2D), a guest-memory blob or a
// host-memory blob (RESOURCE_CREATE_BLOB with blob_mem GUEST or HOST3D).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "devices/gpu/backing_store.h"
#include "devices/gpu/memfd_mapping.h"
#include "devices/gpu/pixel_format.h"
#include "devices/gpu/renderer_hold.h"
#include "devices/gpu/renderer/gpu_renderer.h"
#include "base/mapping.h"

namespace vmm::gpu {

// Renderer3d (RESOURCE_CREATE_3D) and RendererBlob (CREATE_BLOB with a renderer) live in
// the renderer; the device keeps their bookkeeping and the guest pages it lent them.
enum class ResourceKind { Image2d, GuestBlob, HostBlob, Renderer3d, RendererBlob };

struct GpuResource {
  std::uint32_t id = 0;
  ResourceKind kind = ResourceKind::Image2d;

  // Image2d: the host shadow image, width * height pixels of `format`, rows packed.
  std::optional<PixelFormat> format;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  Mapping image;

  // Image2d (ATTACH_BACKING) and GuestBlob (CREATE_BLOB entries).
  std::optional<BackingStore> backing;

  // Blobs.
  std::uint32_t blob_flags = 0;
  std::uint64_t blob_id = 0;
  std::uint64_t blob_size = 0;
  std::uint32_t blob_ctx = 0;  // the context CREATE_BLOB named (0: none)
  std::uint32_t map_info = 0;  // HostBlob: what MAP_BLOB reports
  // HostBlob: its host memory, shared with the memslot that maps it (which keeps it while the
  // hypervisor does, even after the resource is gone).
  std::shared_ptr<MemfdMapping> host;

  // Renderer resources: what the renderer holds for it, shared likewise with a blob's memslot.
  std::shared_ptr<RendererHold> renderer;
  std::uint64_t renderer_bytes = 0;   // what it counts against limits::kMaxRendererBytes
  std::uint32_t format_3d = 0;        // Renderer3d: its format (scanout read-back)

  bool in_renderer() const { return kind == ResourceKind::Renderer3d || kind == ResourceKind::RendererBlob; }
  bool has_renderer_pages() const { return renderer && !renderer->pages.empty(); }
  std::uint64_t stride() const { return std::uint64_t{width} * kBytesPerPixel; }
  std::uint64_t image_bytes() const { return stride() * height; }
};

}  // namespace vmm::gpu
