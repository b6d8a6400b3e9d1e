#include "devices/gpu/pixel_format.h"

#include <algorithm>
#include <array>

#include "devices/gpu/virtio_gpu_protocol.h"

namespace vmm::gpu {

namespace {

constexpr std::array<PixelFormat, 8> kFormats{{
    {format::kB8G8R8A8, "B8G8R8A8", 2, 1, 0, 3},
    {format::kB8G8R8X8, "B8G8R8X8", 2, 1, 0, std::nullopt},
    {format::kA8R8G8B8, "A8R8G8B8", 1, 2, 3, 0},
    {format::kX8R8G8B8, "X8R8G8B8", 1, 2, 3, std::nullopt},
    {format::kR8G8B8A8, "R8G8B8A8", 0, 1, 2, 3},
    {format::kX8B8G8R8, "X8B8G8R8", 3, 2, 1, std::nullopt},
    {format::kA8B8G8R8, "A8B8G8R8", 3, 2, 1, 0},
    {format::kR8G8B8X8, "R8G8B8X8", 0, 1, 2, std::nullopt},
}};

}  // namespace

std::optional<PixelFormat> find_pixel_format(std::uint32_t id) {
  for (const auto& format : kFormats)
    if (format.id == id) return format;
  return std::nullopt;
}

void convert_to_rgba(const PixelFormat& format, std::span<const std::uint8_t> pixels,
                     std::span<std::uint8_t> rgba) {
  const std::size_t count = std::min(pixels.size(), rgba.size()) / kBytesPerPixel;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* in = pixels.data() + i * kBytesPerPixel;
    std::uint8_t* out = rgba.data() + i * kBytesPerPixel;
    out[0] = in[format.r];
    out[1] = in[format.g];
    out[2] = in[format.b];
    out[3] = format.a ? in[*format.a] : 0xff;
  }
}

}  // namespace vmm::gpu
