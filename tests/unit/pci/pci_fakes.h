// Recording fakes for the PCI and virtio-pci unit tests.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "devices/irq_line.h"
#include "devices/pci/msi.h"

namespace vmm::testing {

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
