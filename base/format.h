// How vmm spells numbers for people, everywhere: addresses in hex, sizes in binary units.
#pragma once

#include <cstdint>
#include <string>

namespace vmm {

// "0x1f1"
std::string hex(std::uint64_t value);

// "40 MiB", "1.5 MiB", "12 KiB", "300 bytes": exact where possible, one decimal otherwise.
std::string human_size(std::uint64_t bytes);

}  // namespace vmm
