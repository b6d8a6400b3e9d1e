// KvmMsiSender: delivers a device's MSI/MSI-X message with KVM_SIGNAL_MSI.
#pragma once

#include "devices/pci/msi.h"
#include "vmm/kvm/kvm_vm.h"

namespace vmm {

class KvmMsiSender : public MsiSender {
 public:
  explicit KvmMsiSender(KvmVm& vm) : vm_(vm) {}
  bool send(const MsiMessage& message) override { return vm_.signal_msi(message.address, message.data) == 0; }

 private:
  KvmVm& vm_;
};

}  // namespace vmm
