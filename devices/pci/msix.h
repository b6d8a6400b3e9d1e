// MsixTable: the MSI-X capability, vector table and pending-bit array of one PCI function.
//
// The table and PBA live in a trapped BAR of the owning device, which forwards accesses in
// their ranges to table_read/table_write/pba_read. The capability's message control word
// lives in the device's configuration space; the device calls config_written() after each
// configuration write so the enable and function-mask bits are picked up.
//
// Delivery rules (PCI 3.0 §6.8.2): trigger() sends the vector's message when MSI-X is
// enabled and neither the function nor the vector is masked; when masked it sets the
// vector's pending bit instead, and clearing the mask later sends it once. While MSI-X is
// disabled the function may not use it at all: trigger() does nothing and returns false
// (the owner falls back to INTx). Vectors start masked, as after reset.
//
// Thread safety: all entry points take one internal lock; MsiSender::send is called with
// it held, so it must not call back into this table.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "devices/pci/msi.h"
#include "devices/pci/pci_config_space.h"

namespace vmm {

class MsixTable {
 public:
  // Throws std::invalid_argument for 0 or more than 2048 vectors.
  MsixTable(std::uint16_t vectors, MsiSender& sender);

  // Adds the capability (id 0x11) to `config` naming where the table and PBA are (offsets
  // must be 8-byte aligned; throws std::invalid_argument otherwise). Returns its offset.
  std::uint8_t add_capability(PciConfigSpace& config, std::uint8_t table_bar,
                              std::uint32_t table_offset, std::uint8_t pba_bar,
                              std::uint32_t pba_offset);

  // After a guest configuration write to [offset, offset + size): re-reads message control
  // if the write touched it.
  void config_written(const PciConfigSpace& config, std::uint16_t offset, std::size_t size);

  std::uint16_t vectors() const { return static_cast<std::uint16_t>(entries_.size()); }
  std::uint64_t table_size() const { return entries_.size() * 16; }
  std::uint64_t pba_size() const { return (entries_.size() + 63) / 64 * 8; }

  // Accesses relative to the table / PBA start. Accesses beyond the end read all-ones and
  // are ignored; the PBA is read-only.
  void table_read(std::uint64_t offset, std::span<std::uint8_t> data);
  void table_write(std::uint64_t offset, std::span<const std::uint8_t> data);
  void pba_read(std::uint64_t offset, std::span<std::uint8_t> data);

  // True when the message was sent (and MsiSender accepted it).
  bool trigger(std::uint16_t vector);

  bool enabled() const;
  bool function_masked() const;
  bool vector_masked(std::uint16_t vector) const;
  bool pending(std::uint16_t vector) const;
  std::optional<MsiMessage> message(std::uint16_t vector) const;

 private:
  struct Entry {
    std::array<std::uint32_t, 4> words{};  // address low, address high, data, control
    bool pending = false;
  };

  bool masked_locked(const Entry& entry) const;
  bool send_locked(Entry& entry);
  void deliver_pending_locked();

  MsiSender& sender_;
  std::vector<Entry> entries_;
  std::optional<std::uint8_t> capability_;
  mutable std::mutex mutex_;
  bool enabled_ = false;
  bool function_masked_ = false;
};

}  // namespace vmm
