// The 2D resource formats the device accepts (all 4 bytes per pixel) and their conversion
// to RGBA for screenshots.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace vmm::gpu {

struct PixelFormat {
  std::uint32_t id;        // VIRTIO_GPU_FORMAT_*
  std::string_view name;   // "B8G8R8X8"
  std::uint8_t r, g, b;    // byte offset of each channel inside a pixel
  std::optional<std::uint8_t> a;  // nullopt for the X (padding) formats
};

inline constexpr std::uint32_t kBytesPerPixel = 4;

// nullopt for a format id the device does not support.
std::optional<PixelFormat> find_pixel_format(std::uint32_t id);

// Converts `pixels` (a whole number of pixels in `format`) to RGBA, 4 bytes per pixel, into
// `rgba` (same size). X formats get alpha 255.
void convert_to_rgba(const PixelFormat& format, std::span<const std::uint8_t> pixels,
                     std::span<std::uint8_t> rgba);

}  // namespace vmm::gpu
