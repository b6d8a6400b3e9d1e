// KvmIrqLine: an IrqLine that drives one GSI of KVM's in-kernel IOAPIC/PIC.
#pragma once

#include <spdlog/spdlog.h>

#include <cstring>

#include "devices/irq_line.h"
#include "vmm/kvm/kvm_vm.h"

namespace vmm {

class KvmIrqLine : public IrqLine {
 public:
  KvmIrqLine(KvmVm& vm, std::uint32_t gsi) : vm_(vm), gsi_(gsi) {}

  void set_level(bool asserted) override {
    // A refused KVM_IRQ_LINE cannot be answered to the device; log it, keep running.
    if (int error = vm_.set_irq_line(gsi_, asserted); error != 0)
      spdlog::warn("KVM_IRQ_LINE gsi {} level {}: {}", gsi_, asserted, std::strerror(error));
  }

 private:
  KvmVm& vm_;
  std::uint32_t gsi_;
};

}  // namespace vmm
