#include "base/format.h"

#include <cstdio>

namespace vmm {

std::string hex(std::uint64_t value) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(value));
  return buf;
}

std::string human_size(std::uint64_t bytes) {
  constexpr std::uint64_t kKiB = 1024;
  constexpr std::uint64_t kMiB = 1024 * kKiB;
  constexpr std::uint64_t kGiB = 1024 * kMiB;
  struct Unit {
    std::uint64_t scale;
    const char* name;
  };
  for (const Unit unit : {Unit{kGiB, "GiB"}, Unit{kMiB, "MiB"}, Unit{kKiB, "KiB"}}) {
    if (bytes < unit.scale) continue;
    char buf[48];
    if (bytes % unit.scale == 0)
      std::snprintf(buf, sizeof(buf), "%llu %s", static_cast<unsigned long long>(bytes / unit.scale),
                    unit.name);
    else
      std::snprintf(buf, sizeof(buf), "%.1f %s",
                    static_cast<double>(bytes) / static_cast<double>(unit.scale), unit.name);
    return buf;
  }
  return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

}  // namespace vmm
