// FakeIrqLine: records every level a device drives, for assertions.
#pragma once

#include <vector>

#include "devices/irq_line.h"

namespace vmm::testing {

class FakeIrqLine : public IrqLine {
 public:
  void set_level(bool asserted) override { levels.push_back(asserted); }

  bool level() const { return !levels.empty() && levels.back(); }

  std::vector<bool> levels;  // in call order
};

}  // namespace vmm::testing
