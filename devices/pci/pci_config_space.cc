#include "devices/pci/pci_config_space.h"

#include <bit>
#include <stdexcept>
#include <string>

#include "devices/pci/pci_registers.h"

namespace vmm {

using namespace pci;

namespace {

bool guest_access_ok(std::uint16_t offset, std::size_t size) {
  return (size == 1 || size == 2 || size == 4) && offset < PciConfigSpace::kSize &&
         size <= PciConfigSpace::kSize - offset;
}

void check_range(std::uint16_t offset, std::size_t size) {
  if (!guest_access_ok(offset, size))
    throw std::out_of_range("pci config space: offset " + std::to_string(offset) + " size " +
                            std::to_string(size) + " is outside the 256-byte header");
}

std::uint16_t bar_offset(int index) { return static_cast<std::uint16_t>(kBar0 + 4 * index); }

}  // namespace

PciConfigSpace::PciConfigSpace(const PciIds& ids) : next_capability_offset_(kCapabilityStart) {
  set16(kVendorId, ids.vendor_id);
  set16(kDeviceId, ids.device_id);
  set8(kRevisionId, ids.revision);
  set8(kClassCode, static_cast<std::uint8_t>(ids.class_code));
  set16(kClassCode + 1, static_cast<std::uint16_t>(ids.class_code >> 8));
  set8(kHeaderType, kHeaderTypeNormal);
  set16(kSubsystemVendorId, ids.subsystem_vendor_id);
  set16(kSubsystemId, ids.subsystem_id);

  set_write_mask(kCommand, 2, kCommandWritable);
  // Drivers program the cache line size; nothing here depends on it.
  set_write_mask(kCacheLineSize, 1, 0xff);
  // The interrupt line is a scratch register for the OS (firmware stores the routing there).
  set_write_mask(kInterruptLine, 1, 0xff);
}

std::uint32_t PciConfigSpace::read(std::uint16_t offset, std::size_t size) const {
  if (!guest_access_ok(offset, size)) return 0xffffffffu;
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < size; ++i) value |= std::uint32_t{bytes_[offset + i]} << (8 * i);
  return value;
}

bool PciConfigSpace::write(std::uint16_t offset, std::size_t size, std::uint32_t value) {
  if (!guest_access_ok(offset, size)) return false;
  for (std::size_t i = 0; i < size; ++i) {
    const auto byte = static_cast<std::uint8_t>(value >> (8 * i));
    const std::uint8_t mask = write_mask_[offset + i];
    bytes_[offset + i] = static_cast<std::uint8_t>((bytes_[offset + i] & ~mask) | (byte & mask));
  }
  return true;
}

std::uint8_t PciConfigSpace::read8(std::uint16_t offset) const {
  check_range(offset, 1);
  return bytes_[offset];
}

std::uint16_t PciConfigSpace::read16(std::uint16_t offset) const {
  check_range(offset, 2);
  return static_cast<std::uint16_t>(read(offset, 2));
}

std::uint32_t PciConfigSpace::read32(std::uint16_t offset) const {
  check_range(offset, 4);
  return read(offset, 4);
}

void PciConfigSpace::set8(std::uint16_t offset, std::uint8_t value) {
  check_range(offset, 1);
  bytes_[offset] = value;
}

void PciConfigSpace::set16(std::uint16_t offset, std::uint16_t value) {
  check_range(offset, 2);
  for (int i = 0; i < 2; ++i) bytes_[offset + i] = static_cast<std::uint8_t>(value >> (8 * i));
}

void PciConfigSpace::set32(std::uint16_t offset, std::uint32_t value) {
  check_range(offset, 4);
  for (int i = 0; i < 4; ++i) bytes_[offset + i] = static_cast<std::uint8_t>(value >> (8 * i));
}

void PciConfigSpace::set_write_mask(std::uint16_t offset, std::size_t size, std::uint32_t mask) {
  check_range(offset, size);
  for (std::size_t i = 0; i < size; ++i)
    write_mask_[offset + i] = static_cast<std::uint8_t>(mask >> (8 * i));
}

std::uint16_t PciConfigSpace::command() const { return read16(kCommand); }

std::uint8_t PciConfigSpace::add_capability(std::uint8_t id, std::span<const std::uint8_t> body) {
  const std::size_t length = 2 + body.size();
  if (next_capability_offset_ > kSize || length > kSize - next_capability_offset_)
    throw std::length_error("pci config space: no room for a " + std::to_string(length) +
                            "-byte capability");
  const auto offset = static_cast<std::uint8_t>(next_capability_offset_);
  bytes_[offset] = id;
  bytes_[offset + 1] = kNoCapability;
  for (std::size_t i = 0; i < body.size(); ++i) bytes_[offset + 2 + i] = body[i];

  if (last_capability_ == kNoCapability) {
    set8(kCapabilityPointer, offset);
    set16(kStatus, read16(kStatus) | kStatusCapabilityList);
  } else {
    bytes_[last_capability_ + 1] = offset;
  }
  last_capability_ = offset;
  // The next pointer's two low bits are reserved: keep every capability dword-aligned.
  next_capability_offset_ = static_cast<std::uint16_t>((offset + length + 3) & ~std::size_t{3});
  return offset;
}

bool PciConfigSpace::bar_slot_valid(int index) const { return index >= 0 && index < kBarCount; }

void PciConfigSpace::add_bar(int index, std::uint64_t size, PciBarType type, bool prefetchable) {
  const bool is64 = type == PciBarType::Mem64;
  const std::string what = "pci config space: BAR " + std::to_string(index);
  if (!bar_slot_valid(index) || (is64 && index + 1 >= kBarCount))
    throw std::invalid_argument(what + ": index out of range");
  if (bars_[index] || bar_upper_half_[index] || (is64 && (bars_[index + 1] || bar_upper_half_[index + 1])))
    throw std::invalid_argument(what + ": slot already used");
  const std::uint64_t limit = is64 ? (std::uint64_t{1} << 63) : (std::uint64_t{1} << 31);
  if (!std::has_single_bit(size) || size < 16 || size > limit)
    throw std::invalid_argument(what + ": size must be a power of two from 16 bytes to " +
                                (is64 ? std::string("2^63") : std::string("2 GiB")));

  bars_[index] = PciBarInfo{size, type, prefetchable};
  std::uint32_t type_bits = 0;
  if (is64) type_bits |= kBarMemType64;
  if (prefetchable) type_bits |= kBarPrefetchable;
  set32(bar_offset(index), type_bits);
  // Address bits below the size are hard-wired to zero: that is what makes sizing work.
  const std::uint64_t address_mask = ~(size - 1);
  set_write_mask(bar_offset(index), 4, static_cast<std::uint32_t>(address_mask) & ~kBarMemTypeMask);
  if (is64) {
    bar_upper_half_[index + 1] = true;
    set32(bar_offset(index + 1), 0);
    set_write_mask(bar_offset(index + 1), 4, static_cast<std::uint32_t>(address_mask >> 32));
  }
}

std::optional<PciBarInfo> PciConfigSpace::bar_info(int index) const {
  if (!bar_slot_valid(index)) return std::nullopt;
  return bars_[index];
}

std::uint64_t PciConfigSpace::bar_address(int index) const {
  if (!bar_slot_valid(index) || !bars_[index]) return 0;
  std::uint64_t address = read32(bar_offset(index)) & ~kBarMemTypeMask;
  if (bars_[index]->type == PciBarType::Mem64)
    address |= std::uint64_t{read32(bar_offset(index + 1))} << 32;
  return address;
}

void PciConfigSpace::set_bar_address(int index, std::uint64_t address) {
  if (!bar_slot_valid(index) || !bars_[index])
    throw std::invalid_argument("pci config space: BAR " + std::to_string(index) + " is not declared");
  const PciBarInfo& bar = *bars_[index];
  address &= ~(bar.size - 1);
  const std::uint32_t type_bits = read32(bar_offset(index)) & kBarMemTypeMask;
  set32(bar_offset(index), (static_cast<std::uint32_t>(address) & ~kBarMemTypeMask) | type_bits);
  if (bar.type == PciBarType::Mem64)
    set32(bar_offset(index + 1), static_cast<std::uint32_t>(address >> 32));
}

void PciConfigSpace::set_interrupt(std::uint8_t line, std::uint8_t pin) {
  set8(kInterruptLine, line);
  set8(kInterruptPin, pin);
}

}  // namespace vmm
