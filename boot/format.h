// Small formatters shared by boot's error messages and its summary, so every message spells
// addresses and sizes the same way.
#pragma once

#include <cstdint>
#include <string>

namespace vmm::boot_format {

// "0x1f1"
std::string hex(std::uint64_t value);

// "40 MiB", "1.5 MiB", "12 KiB", "300 bytes": exact where possible, one decimal otherwise.
std::string size(std::uint64_t bytes);

// Boot protocol version word 0x020c -> "2.12" (the minor number is decimal, two digits).
std::string protocol_version(std::uint16_t version);

}  // namespace vmm::boot_format
