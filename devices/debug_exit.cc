#include "devices/debug_exit.h"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "base/guest_log.h"

namespace vmm {

DebugExit::DebugExit(std::function<void(int status)> on_exit) : on_exit_(std::move(on_exit)) {}

void DebugExit::read(std::uint64_t, std::span<std::uint8_t> data) {
  std::fill(data.begin(), data.end(), 0);
}

void DebugExit::write(std::uint64_t offset, std::span<const std::uint8_t> data) {
  if (offset != 0 || data.empty()) {
    VMM_GUEST_LOG(spdlog::level::debug, "debug-exit: ignored {}-byte write at offset {}", data.size(), offset);
    return;
  }
  // Little-endian: data[0] is the low byte whatever the width.
  const int status = data[0];
  VMM_GUEST_LOG(spdlog::level::debug, "debug-exit: guest requested exit status {}", status);
  if (on_exit_) on_exit_(status);
}

}  // namespace vmm
