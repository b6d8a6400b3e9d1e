// The numbers in a check's detail ("shm=0x<base>+0x<len>", "size=<n> fnv=0x<8 hex>"), picked
// out by a regex with one group per number. Each group captures the number as the guest
// printed it, its "0x" included, so parse_number reads it in the right base; nullopt when the
// regex does not match or a group is not a number.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>

#include "tests/integration/parse_number.h"

namespace vmm::test {

template <std::size_t N>
std::optional<std::array<std::uint64_t, N>> detail_numbers(const std::string& detail,
                                                           const std::regex& re) {
  std::smatch m;
  if (!std::regex_search(detail, m, re) || m.size() != N + 1) return std::nullopt;
  std::array<std::uint64_t, N> numbers{};
  for (std::size_t i = 0; i < N; ++i) {
    const auto n = parse_number(m[i + 1].str());
    if (!n) return std::nullopt;
    numbers[i] = *n;
  }
  return numbers;
}

// The gpu's host-visible window as gpu.caps reports it (tests/guest/check_gpu.c).
struct GpuWindow {
  std::uint64_t base = 0;
  std::uint64_t size = 0;
  // [addr, addr + len) lies inside, written so that no sum can wrap.
  bool contains(std::uint64_t addr, std::uint64_t len) const {
    return addr >= base && len <= size && addr - base <= size - len;
  }
};

inline std::optional<GpuWindow> parse_shm(const std::string& detail) {
  static const std::regex re("shm=(0x[0-9a-f]+)\\+(0x[0-9a-f]+)");
  const auto n = detail_numbers<2>(detail, re);
  if (!n) return std::nullopt;
  return GpuWindow{(*n)[0], (*n)[1]};
}

}  // namespace vmm::test
