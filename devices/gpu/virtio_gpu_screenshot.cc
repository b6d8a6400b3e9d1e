// VirtioGpu::write_scanout_png: what the one scanout shows, saved as a PNG.
#include <spdlog/spdlog.h>

#include "devices/gpu/png_writer.h"
#include "devices/gpu/virtio_gpu.h"

namespace vmm {

using namespace gpu;

bool VirtioGpu::write_scanout_png(const std::string& path, std::string* error) const {
  std::vector<std::uint8_t> rgba;
  Rect rect{};
  bool keep_alpha = false;
  std::string problem;
  {
    std::lock_guard lock(mutex_);
    auto it = scanout_ ? resources_.find(scanout_->resource_id) : resources_.end();
    if (it == resources_.end()) {
      problem = "cannot write screenshot '" + path +
                "': no scanout is set (the guest has not shown a resource with SET_SCANOUT)";
    } else if (it->second.kind == ResourceKind::Renderer3d &&
               (scanout_image_.empty() || !find_pixel_format(it->second.format_3d))) {
      problem = "cannot write screenshot '" + path + "': the scanout is a renderer resource " +
                "that was never flushed, or whose format " +
                std::to_string(it->second.format_3d) + " vmm cannot convert";
    } else {
      const GpuResource& res = it->second;
      // A renderer scanout's pixels were read back at its last RESOURCE_FLUSH.
      const bool rendered = res.kind == ResourceKind::Renderer3d;
      const PixelFormat format = rendered ? *find_pixel_format(res.format_3d) : *res.format;
      const std::uint8_t* image = rendered ? scanout_image_.data() : res.image.data();
      rect = scanout_->rect;
      keep_alpha = format.a.has_value();
      const std::size_t row_bytes = std::size_t{rect.width} * kBytesPerPixel;
      rgba.resize(row_bytes * rect.height);
      for (std::uint32_t row = 0; row < rect.height; ++row) {
        const std::uint8_t* src =
            image + (rect.y + row) * res.stride() + rect.x * kBytesPerPixel;
        convert_to_rgba(format, std::span(src, row_bytes),
                        std::span(rgba.data() + row * row_bytes, row_bytes));
      }
    }
  }
  if (problem.empty()) {
    if (auto failed = write_png(path, rect.width, rect.height, rgba, keep_alpha))
      problem = *failed;
  }
  if (problem.empty()) return true;
  if (error != nullptr)
    *error = problem;  // the caller reports it
  else
    spdlog::error("virtio-gpu: {}", problem);
  return false;
}

}  // namespace vmm
