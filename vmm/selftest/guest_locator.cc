#include "vmm/selftest/guest_locator.h"

#include <filesystem>
#include <system_error>

namespace vmm {

namespace fs = std::filesystem;

std::vector<std::string> tiny_guest_candidates(const std::string& executable) {
  const fs::path dir = fs::path(executable).parent_path();
  return {
      (dir / ".." / "share" / "vmm" / "tiny-guest.bzImage").lexically_normal().string(),
      (dir / ".." / "tests" / "guest" / "tiny-guest.bzImage").lexically_normal().string(),
  };
}

std::optional<std::string> find_tiny_guest(const std::string& executable) {
  for (const auto& candidate : tiny_guest_candidates(executable)) {
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return candidate;
  }
  return std::nullopt;
}

std::string own_executable() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.string();
}

}  // namespace vmm
