#include "devices/gpu/renderer_memory_guard.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace vmm::gpu {

std::optional<std::uint64_t> anonymous_bytes_from_statm(std::string_view statm, std::uint64_t page_size) {
  std::uint64_t fields[3] = {};
  const char* at = statm.data();
  const char* end = statm.data() + statm.size();
  for (std::uint64_t& field : fields) {
    while (at < end && *at == ' ') ++at;
    auto [next, ec] = std::from_chars(at, end, field);
    if (ec != std::errc()) return std::nullopt;
    at = next;
  }
  const std::uint64_t resident = fields[1], shared = fields[2];
  return shared > resident ? 0 : (resident - shared) * page_size;
}

std::unique_ptr<RendererMemoryGuard> RendererMemoryGuard::for_this_process(std::uint64_t allowance,
                                                                         std::string* error) {
  auto fd = std::make_shared<UniqueFd>(open("/proc/self/statm", O_RDONLY | O_CLOEXEC));
  if (!fd->valid()) {
    *error = std::string("/proc/self/statm: ") + std::strerror(errno);
    return nullptr;
  }
  const std::uint64_t page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  Sampler sample = [fd, page]() -> std::optional<std::uint64_t> {
    char text[128];
    const ssize_t n = pread(fd->get(), text, sizeof(text) - 1, 0);
    if (n <= 0) return std::nullopt;
    return anonymous_bytes_from_statm(std::string_view(text, static_cast<std::size_t>(n)), page);
  };
  if (!sample()) {
    *error = "/proc/self/statm could not be read";
    return nullptr;
  }
  auto guard = std::make_unique<RendererMemoryGuard>(std::move(sample), allowance);
  guard->fd_ = fd->get();  // the sampler keeps the fd open as long as the guard lives
  return guard;
}

RendererMemoryGuard::RendererMemoryGuard(Sampler sample, std::uint64_t allowance)
    : sample_(std::move(sample)), allowance_(allowance) {
  baseline_ = last_ = highest_ = sample_().value_or(0);
}

bool RendererMemoryGuard::over() {
  auto now = sample_();
  if (!now) return false;
  last_ = *now;
  highest_ = std::max(highest_, *now);
  return *now > bound();
}

}  // namespace vmm::gpu
