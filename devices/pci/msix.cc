#include "devices/pci/msix.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "devices/pci/msix_registers.h"
#include "devices/pci/pci_registers.h"

namespace vmm {

using namespace msix;

namespace {

// The table and the PBA read byte by byte: a byte past the region's `size` (or at an offset
// that wraps) reads as 0xff, as an unclaimed bus would answer; `byte_at` gives each byte
// inside.
template <typename ByteAt>
void read_bytes(std::uint64_t offset, std::span<std::uint8_t> data, std::uint64_t size,
                ByteAt byte_at) {
  for (std::size_t i = 0; i < data.size(); ++i) {
    const std::uint64_t at = offset + i;
    data[i] = at < offset || at >= size ? std::uint8_t{0xff} : byte_at(at);
  }
}

}  // namespace

MsixTable::MsixTable(std::uint16_t vectors, MsiSender& sender) : sender_(sender) {
  if (vectors == 0 || vectors > kMaxVectors)
    throw std::invalid_argument("msi-x: vector count " + std::to_string(vectors) +
                                " is not in 1..2048");
  entries_.resize(vectors);
  for (Entry& entry : entries_) entry.words[3] = kVectorControlMask;
}

std::uint8_t MsixTable::add_capability(PciConfigSpace& config, std::uint8_t table_bar,
                                       std::uint32_t table_offset, std::uint8_t pba_bar,
                                       std::uint32_t pba_offset) {
  if (table_bar >= pci::kBarCount || pba_bar >= pci::kBarCount || (table_offset & kBirMask) ||
      (pba_offset & kBirMask))
    throw std::invalid_argument("msi-x: table/PBA location must be a BAR 0..5 at an 8-byte "
                                "aligned offset");
  const auto control = static_cast<std::uint16_t>(vectors() - 1);
  const std::uint32_t table = table_offset | table_bar;
  const std::uint32_t pba = pba_offset | pba_bar;
  const std::uint8_t body[kCapLength - 2] = {
      static_cast<std::uint8_t>(control), static_cast<std::uint8_t>(control >> 8),
      static_cast<std::uint8_t>(table),   static_cast<std::uint8_t>(table >> 8),
      static_cast<std::uint8_t>(table >> 16), static_cast<std::uint8_t>(table >> 24),
      static_cast<std::uint8_t>(pba),     static_cast<std::uint8_t>(pba >> 8),
      static_cast<std::uint8_t>(pba >> 16), static_cast<std::uint8_t>(pba >> 24)};
  const std::uint8_t offset = config.add_capability(pci::kCapIdMsix, body);
  config.set_write_mask(offset + kCapMessageControl, 2, kControlEnable | kControlFunctionMask);
  std::lock_guard lock(mutex_);
  capability_ = offset;
  return offset;
}

void MsixTable::config_written(const PciConfigSpace& config, std::uint16_t offset,
                               std::size_t size) {
  std::lock_guard lock(mutex_);
  if (!capability_) return;
  const std::uint16_t control_at = *capability_ + kCapMessageControl;
  if (offset >= control_at + 2 || offset + size <= control_at) return;
  const std::uint16_t control = config.read16(control_at);
  enabled_ = control & kControlEnable;
  function_masked_ = control & kControlFunctionMask;
  deliver_pending_locked();
}

void MsixTable::table_read(std::uint64_t offset, std::span<std::uint8_t> data) {
  std::lock_guard lock(mutex_);
  read_bytes(offset, data, table_size(), [&](std::uint64_t at) {
    const std::uint32_t word = entries_[at / kEntrySize].words[(at % kEntrySize) / 4];
    return static_cast<std::uint8_t>(word >> (8 * (at % 4)));
  });
}

void MsixTable::table_write(std::uint64_t offset, std::span<const std::uint8_t> data) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < data.size(); ++i) {
    const std::uint64_t at = offset + i;
    if (at < offset || at >= table_size()) continue;
    Entry& entry = entries_[at / kEntrySize];
    std::uint32_t& word = entry.words[(at % kEntrySize) / 4];
    const unsigned shift = 8 * (at % 4);
    word = (word & ~(0xffu << shift)) | (std::uint32_t{data[i]} << shift);
  }
  // Only the mask bit of vector control is defined; the rest reads as written (reserved).
  deliver_pending_locked();
}

void MsixTable::pba_read(std::uint64_t offset, std::span<std::uint8_t> data) {
  std::lock_guard lock(mutex_);
  read_bytes(offset, data, pba_size(), [&](std::uint64_t at) {
    std::uint8_t byte = 0;
    for (unsigned bit = 0; bit < 8; ++bit) {
      const std::uint64_t vector = at * 8 + bit;
      if (vector < entries_.size() && entries_[vector].pending) byte |= 1u << bit;
    }
    return byte;
  });
}

bool MsixTable::trigger(std::uint16_t vector) {
  std::lock_guard lock(mutex_);
  if (vector >= entries_.size() || !enabled_) return false;
  Entry& entry = entries_[vector];
  if (masked_locked(entry)) {
    entry.pending = true;
    return false;
  }
  return send_locked(entry);
}

bool MsixTable::masked_locked(const Entry& entry) const {
  return function_masked_ || (entry.words[3] & kVectorControlMask);
}

bool MsixTable::send_locked(Entry& entry) {
  entry.pending = false;
  const MsiMessage message{
      std::uint64_t{entry.words[0]} | (std::uint64_t{entry.words[1]} << 32), entry.words[2]};
  return sender_.send(message);
}

void MsixTable::deliver_pending_locked() {
  if (!enabled_ || function_masked_) return;
  for (Entry& entry : entries_)
    if (entry.pending && !masked_locked(entry)) send_locked(entry);
}

bool MsixTable::enabled() const {
  std::lock_guard lock(mutex_);
  return enabled_;
}

bool MsixTable::function_masked() const {
  std::lock_guard lock(mutex_);
  return function_masked_;
}

bool MsixTable::vector_masked(std::uint16_t vector) const {
  std::lock_guard lock(mutex_);
  return vector >= entries_.size() || (entries_[vector].words[3] & kVectorControlMask);
}

bool MsixTable::pending(std::uint16_t vector) const {
  std::lock_guard lock(mutex_);
  return vector < entries_.size() && entries_[vector].pending;
}

std::optional<MsiMessage> MsixTable::message(std::uint16_t vector) const {
  std::lock_guard lock(mutex_);
  if (vector >= entries_.size()) return std::nullopt;
  const Entry& entry = entries_[vector];
  return MsiMessage{std::uint64_t{entry.words[0]} | (std::uint64_t{entry.words[1]} << 32),
                    entry.words[2]};
}

}  // namespace vmm
