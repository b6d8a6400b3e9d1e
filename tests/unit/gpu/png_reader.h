// Reads a PNG back with libpng, decoded as RGBA: how the screenshot tests check what
// vmm wrote.
#pragma once

#include <png.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vmm::test {

struct PngFile {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  bool has_alpha = false;              // what the file itself stores
  std::vector<std::uint8_t> rgba;      // decoded as RGBA
};

inline std::optional<PngFile> read_png(const std::string& path) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) return std::nullopt;
  PngFile file;
  file.width = image.width;
  file.height = image.height;
  file.has_alpha = (image.format & PNG_FORMAT_FLAG_ALPHA) != 0;
  image.format = PNG_FORMAT_RGBA;
  file.rgba.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, file.rgba.data(), 0, nullptr)) {
    png_image_free(&image);
    return std::nullopt;
  }
  return file;
}

}  // namespace vmm::test
