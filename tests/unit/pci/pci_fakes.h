// Recording fakes for the PCI and virtio-pci unit tests.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "devices/irq_line.h"
#include "devices/pci/msi.h"

namespace vmm::testing {

// The PCI windows the tests' roots are built with (32-bit and 64-bit BARs go there).
inline constexpr std::uint64_t kWindow32 = 0xc0000000;
inline constexpr std::uint64_t kWindow64 = 0x100'0000'0000;

class RecordingIrqLine : public IrqLine {
 public:
  void set_level(bool asserted) override {
    std::lock_guard lock(mutex_);
    levels.push_back(asserted);
  }
  bool level() const {
    std::lock_guard lock(mutex_);
    return !levels.empty() && levels.back();
  }
  std::vector<bool> levels;

 private:
  mutable std::mutex mutex_;
};

class RecordingMsiSender : public MsiSender {
 public:
  bool send(const MsiMessage& message) override {
    sent.push_back(message);
    return accept;
  }
  std::vector<MsiMessage> sent;
  bool accept = true;
};

}  // namespace vmm::testing
