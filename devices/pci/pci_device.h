// PciDevice: one PCI function as PciRoot sees it: a configuration space, BARs whose MMIO
// the root either traps and forwards here or leaves to memory the device maps itself, and
// an INTx line.
//
// Threading: config_read/config_write/on_bar_moved are called by PciRoot with its lock
// held, so one at a time; bar_read/bar_write come from vCPU threads and may run
// concurrently (the device synchronises them); set_intx may be called from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>

#include "devices/irq_line.h"
#include "devices/pci/pci_config_space.h"

namespace vmm {

// Whether PciRoot registers a BAR's range on the MMIO bus (Trapped: every access becomes
// bar_read/bar_write) or leaves it to memory the device maps through MemoryMapper itself
// (DeviceMapped, e.g. the virtio shared-memory window).
enum class PciBarAccess : std::uint8_t { Trapped, DeviceMapped };

class PciDevice {
 public:
  explicit PciDevice(const PciIds& ids) : config_(ids) {}
  virtual ~PciDevice() = default;
  PciDevice(const PciDevice&) = delete;
  PciDevice& operator=(const PciDevice&) = delete;

  PciConfigSpace& config() { return config_; }
  const PciConfigSpace& config() const { return config_; }

  // Guest configuration accesses (size 1, 2 or 4). Overrides call these first/last to keep
  // the header behaviour (write masks, BARs, Interrupt Disable).
  virtual std::uint32_t config_read(std::uint16_t offset, std::size_t size);
  virtual void config_write(std::uint16_t offset, std::size_t size, std::uint32_t value);

  // Accesses to a trapped BAR, `offset` relative to its base. The defaults read all-ones
  // and ignore writes.
  virtual void bar_read(int bar, std::uint64_t offset, std::span<std::uint8_t> data);
  virtual void bar_write(int bar, std::uint64_t offset, std::span<const std::uint8_t> data);

  // BAR `bar` now decodes at `address`: called at the first assignment and whenever the
  // guest moves it, so a device can move what it mapped there.
  virtual void on_bar_moved(int /*bar*/, std::uint64_t /*address*/) {}

  PciBarAccess bar_access(int bar) const;

  // PciRoot connects the line routed to this function's interrupt pin (if the pin is not 0).
  void connect_intx(std::shared_ptr<IrqLine> line);

 protected:
  // Declares a BAR in the configuration space and how its accesses are served.
  void add_bar(int index, std::uint64_t size, PciBarType type, bool prefetchable,
               PciBarAccess access);

  // Drives INTx. The line stays deasserted while the guest has set Interrupt Disable
  // (command bit 10) and follows the requested level again when it clears it.
  void set_intx(bool asserted);

 private:
  void update_intx_locked();

  PciConfigSpace config_;
  std::array<PciBarAccess, 6> bar_access_{};

  std::mutex intx_mutex_;  // a leaf lock: nothing is called with it held but IrqLine
  std::shared_ptr<IrqLine> intx_;
  bool intx_requested_ = false;
  bool intx_disabled_ = false;
  bool intx_level_ = false;  // last level driven
};

}  // namespace vmm
