#include "devices/pci/pci_device.h"

#include <algorithm>
#include <utility>

#include "devices/pci/pci_registers.h"

namespace vmm {

std::uint32_t PciDevice::config_read(std::uint16_t offset, std::size_t size) {
  return config_.read(offset, size);
}

void PciDevice::config_write(std::uint16_t offset, std::size_t size, std::uint32_t value) {
  if (!config_.write(offset, size, value)) return;
  const bool touched_command = offset < pci::kCommand + 2 && offset + size > pci::kCommand;
  if (touched_command) {
    std::lock_guard lock(intx_mutex_);
    intx_disabled_ = config_.command() & pci::kCommandIntxDisable;
    update_intx_locked();
  }
}

void PciDevice::bar_read(int /*bar*/, std::uint64_t /*offset*/, std::span<std::uint8_t> data) {
  std::fill(data.begin(), data.end(), 0xff);
}

void PciDevice::bar_write(int /*bar*/, std::uint64_t /*offset*/,
                          std::span<const std::uint8_t> /*data*/) {}

PciBarAccess PciDevice::bar_access(int bar) const {
  if (bar < 0 || bar >= pci::kBarCount) return PciBarAccess::Trapped;
  return bar_access_[bar];
}

void PciDevice::add_bar(int index, std::uint64_t size, PciBarType type, bool prefetchable,
                        PciBarAccess access) {
  config_.add_bar(index, size, type, prefetchable);  // validates index
  bar_access_[index] = access;
}

void PciDevice::connect_intx(std::shared_ptr<IrqLine> line) {
  std::lock_guard lock(intx_mutex_);
  if (intx_ && intx_level_) intx_->set_level(false);
  intx_ = std::move(line);
  intx_level_ = false;
  update_intx_locked();
}

void PciDevice::set_intx(bool asserted) {
  std::lock_guard lock(intx_mutex_);
  intx_requested_ = asserted;
  update_intx_locked();
}

void PciDevice::update_intx_locked() {
  const bool level = intx_requested_ && !intx_disabled_;
  if (!intx_ || level == intx_level_) return;
  intx_level_ = level;
  intx_->set_level(level);
}

}  // namespace vmm
