// IrqLine: one level-triggered interrupt line as a device sees it. The VMM side decides
// how the level reaches the guest (KVM_IRQ_LINE on the in-kernel irqchip); a unit test
// records the levels instead.
#pragma once

namespace vmm {

class IrqLine {
 public:
  virtual ~IrqLine() = default;
  virtual void set_level(bool asserted) = 0;
};

}  // namespace vmm
