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
//   kernel 'x' is 4 GiB, more than the 256 MiB vmm loads as a kernel
// Only regular files are accepted: a FIFO or device would block or never end (the file is
// opened non-blocking, so not even a FIFO without a writer can stall vmm). At most
// `max_bytes` are read; `limit` names that bound in the message ("the guest's RAM").
std::vector<std::uint8_t> read_whole_file(const std::string& path, std::string_view label,
                                          std::uint64_t max_bytes, std::string_view limit);

}  // namespace vmm
