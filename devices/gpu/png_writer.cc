#include "devices/gpu/png_writer.h"

#include <png.h>

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <vector>

namespace vmm::gpu {

namespace {

// Where libpng's error callback leaves its message before it longjmps back.
struct PngErrorSink {
  char message[256];
};

void on_png_error(png_structp png, png_const_charp message) {
  auto* sink = static_cast<PngErrorSink*>(png_get_error_ptr(png));
  std::snprintf(sink->message, sizeof(sink->message), "%s", message);
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}

// libpng reports errors by longjmp; only trivially destructible objects live in this frame
// between setjmp and the end, so the jump skips no destructor.
bool encode(std::FILE* file, std::uint32_t width, std::uint32_t height, bool keep_alpha,
            png_bytep* rows, PngErrorSink* sink) {
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, sink, on_png_error, on_png_warning);
  if (png == nullptr) {
    std::snprintf(sink->message, sizeof(sink->message), "cannot create a libpng writer");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    std::snprintf(sink->message, sizeof(sink->message), "cannot create a libpng info struct");
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_init_io(png, file);
  png_set_IHDR(png, info, width, height, 8,
               keep_alpha ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  // The rows are RGBA; for an RGB file libpng drops the fourth byte of each pixel.
  if (!keep_alpha) png_set_filler(png, 0, PNG_FILLER_AFTER);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

std::optional<std::string> write_png(const std::string& path, std::uint32_t width,
                                     std::uint32_t height, std::span<const std::uint8_t> rgba,
                                     bool keep_alpha) {
  const std::string what = "cannot write PNG '" + path + "': ";
  if (width == 0 || height == 0) return what + "the image is empty";
  const std::size_t stride = static_cast<std::size_t>(width) * 4;
  if (rgba.size() / stride < height) return what + "fewer pixels than width x height";

  std::vector<png_bytep> rows(height);
  for (std::uint32_t y = 0; y < height; ++y)
    rows[y] = const_cast<png_bytep>(rgba.data() + y * stride);  // libpng only reads them

  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return what + std::strerror(errno);
  PngErrorSink sink{};
  const bool encoded = encode(file, width, height, keep_alpha, rows.data(), &sink);
  const bool closed = std::fclose(file) == 0;
  if (encoded && closed) return std::nullopt;
  std::remove(path.c_str());
  return what + (encoded ? std::string("closing the file failed") : std::string(sink.message));
}

}  // namespace vmm::gpu
