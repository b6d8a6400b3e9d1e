// An MSI message as the device sends it, and who delivers it (KVM_SIGNAL_MSI in vmm/; a
// recorder in unit tests). Devices never call KVM.
#pragma once

#include <cstdint>

namespace vmm {

struct MsiMessage {
  std::uint64_t address;
  std::uint32_t data;
};

class MsiSender {
 public:
  virtual ~MsiSender() = default;
  // False when the message could not be delivered (the VMM logs it).
  virtual bool send(const MsiMessage& message) = 0;
};

}  // namespace vmm
