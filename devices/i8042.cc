#include "devices/i8042.h"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "base/guest_log.h"
#include "devices/i8042_registers.h"

namespace vmm {

using namespace i8042;

I8042::I8042(std::function<void()> on_reset) : on_reset_(std::move(on_reset)) {}

void I8042::read(std::uint64_t offset, std::span<std::uint8_t> data) {
  if (data.size() != 1 || (offset != kDataOffset && offset != kCommandOffset)) {
    VMM_GUEST_LOG(spdlog::level::debug, "i8042: ignored {}-byte read at offset {}", data.size(), offset);
    std::fill(data.begin(), data.end(), 0xff);
    return;
  }
  // Status: a byte always waiting and the input buffer free (see the header). Data: 0.
  data[0] = offset == kCommandOffset ? kStatusOutputFull : 0;
}

void I8042::write(std::uint64_t offset, std::span<const std::uint8_t> data) {
  if (data.size() != 1 || (offset != kDataOffset && offset != kCommandOffset)) {
    VMM_GUEST_LOG(spdlog::level::debug, "i8042: ignored {}-byte write at offset {}", data.size(), offset);
    return;
  }
  if (offset != kCommandOffset) return;  // data bytes for the keyboard go nowhere
  const std::uint8_t command = data[0];
  const bool pulses_reset = (command & kCommandPulseMask) == kCommandPulseMask &&
                            !(command & kPulseResetLine);
  if (pulses_reset) {
    VMM_GUEST_LOG(spdlog::level::debug, "i8042: command {:#x} pulses the reset line", command);
    if (on_reset_) on_reset_();
  }
}

}  // namespace vmm
