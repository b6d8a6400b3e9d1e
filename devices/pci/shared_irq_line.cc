#include "devices/pci/shared_irq_line.h"

#include <stdexcept>
#include <utility>

namespace vmm {

class SharedIrqLine::Input : public IrqLine {
 public:
  explicit Input(std::shared_ptr<State> state) : state_(std::move(state)) {}
  ~Input() override { set_level(false); }

  void set_level(bool asserted) override {
    std::lock_guard lock(state_->mutex);
    if (asserted == level_) return;
    level_ = asserted;
    const bool was_asserted = state_->asserted_inputs > 0;
    if (asserted)
      ++state_->asserted_inputs;
    else
      --state_->asserted_inputs;
    const bool now_asserted = state_->asserted_inputs > 0;
    if (was_asserted != now_asserted) state_->line->set_level(now_asserted);
  }

 private:
  std::shared_ptr<State> state_;
  bool level_ = false;  // guarded by state_->mutex
};

SharedIrqLine::SharedIrqLine(std::shared_ptr<IrqLine> line) : state_(std::make_shared<State>()) {
  if (!line) throw std::invalid_argument("shared irq line: underlying line is null");
  state_->line = std::move(line);
}

std::shared_ptr<IrqLine> SharedIrqLine::connect() { return std::make_shared<Input>(state_); }

}  // namespace vmm
