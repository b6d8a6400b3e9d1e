// SharedIrqLine: one level-triggered interrupt line driven by several PCI functions, as
// INTx lines are shared on real boards (wired-OR: asserted while any input asserts it).
// Each function gets its own input from connect(); the underlying line is driven only
// when the combined level changes. Safe to use from any thread.
#pragma once

#include <memory>
#include <mutex>

#include "devices/irq_line.h"

namespace vmm {

class SharedIrqLine {
 public:
  explicit SharedIrqLine(std::shared_ptr<IrqLine> line);

  // A new input. It starts deasserted; destroying it while asserted releases its share.
  std::shared_ptr<IrqLine> connect();

 private:
  struct State {
    std::shared_ptr<IrqLine> line;
    std::mutex mutex;
    unsigned asserted_inputs = 0;
  };
  class Input;

  std::shared_ptr<State> state_;
};

}  // namespace vmm
