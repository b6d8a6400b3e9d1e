// Loads a whole file (kernel, initrd) into memory, turning every way that can fail into a
// BootError that names the file and its role.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vmm {

// `label` is the file's role ("kernel", "initrd") and leads every message:
//   cannot open kernel 'x': No such file or directory
//   cannot read kernel 'x': it is a directory
//   kernel 'x' is empty
// Only regular files are accepted: a FIFO or device would block or never end.
std::vector<std::uint8_t> read_whole_file(const std::string& path, std::string_view label);

}  // namespace vmm
