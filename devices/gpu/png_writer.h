// Writes an RGBA image to a PNG file with libpng.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace vmm::gpu {

// `rgba` holds `height` rows of `width` pixels, 4 bytes each (R, G, B, A), top row first.
// With `keep_alpha` false the file is RGB and the A bytes are dropped. Returns nullopt on
// success, else one line naming the file and what went wrong; a failed write leaves no file.
std::optional<std::string> write_png(const std::string& path, std::uint32_t width,
                                     std::uint32_t height, std::span<const std::uint8_t> rgba,
                                     bool keep_alpha);

}  // namespace vmm::gpu
