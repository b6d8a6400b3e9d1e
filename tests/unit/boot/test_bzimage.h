// Builds minimal valid bzImages for tests, field by field, so each test can break exactly
// one thing (with poke) and check the loader's reaction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace vmm::testing {

struct ImageSpec {
  std::uint8_t setup_sects = 4;  // setup = 5 sectors = 2560 bytes
  std::uint16_t version = 0x020f;
  std::uint8_t loadflags = 0x01;   // LOADED_HIGH
  std::uint16_t xloadflags = 0x01;  // XLF_KERNEL_64
  std::size_t kernel_size = 8192;   // protected-mode bytes; syssize = kernel_size / 16
  std::uint32_t init_size = 0x100000;
  std::uint64_t pref_address = 0x100000;
  std::uint32_t kernel_alignment = 0x200000;
  std::uint8_t relocatable = 0;
  std::uint32_t cmdline_size = 2047;
  std::uint32_t initrd_addr_max = 0x7fffffff;
};

// The header ends where struct setup_header does (0x26c); the protected-mode kernel's byte
// i is kernel_byte(i), so a test can tell its bytes apart from anything else.
std::vector<std::uint8_t> make_bzimage(const ImageSpec& spec = {});

inline std::uint8_t kernel_byte(std::size_t i) { return static_cast<std::uint8_t>(i * 7 + 3); }

template <typename T>
void poke(std::vector<std::uint8_t>& image, std::size_t offset, T value) {
  std::memcpy(image.data() + offset, &value, sizeof(value));
}

template <typename T>
T peek(const std::vector<std::uint8_t>& bytes, std::size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(value));
  return value;
}

}  // namespace vmm::testing
