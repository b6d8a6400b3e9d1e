// PciConfigSpace: the 256-byte type-0 configuration header of one PCI function, with the
// write masks that keep read-only fields read-only, a capability list builder and BARs.
//
// BARs follow the sizing protocol through their write masks alone: the address bits below
// the BAR's size and the type bits are read-only, so writing all-ones and reading back gives
// the size mask with the type bits, exactly as drivers expect. A 64-bit BAR takes two slots;
// its upper slot is all address bits.
//
// The device model sets the initial contents through the set*/add_* calls (which ignore the
// write masks); the guest reaches it through read()/write(). Not synchronised: PciRoot
// serialises guest accesses, and set-up happens before the device is added.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace vmm {

enum class PciBarType : std::uint8_t { Mem32, Mem64 };

struct PciBarInfo {
  std::uint64_t size = 0;  // power of two
  PciBarType type = PciBarType::Mem32;
  bool prefetchable = false;
};

struct PciIds {
  std::uint16_t vendor_id = 0;
  std::uint16_t device_id = 0;
  std::uint8_t revision = 0;
  std::uint32_t class_code = 0;  // class << 16 | subclass << 8 | programming interface
  std::uint16_t subsystem_vendor_id = 0;
  std::uint16_t subsystem_id = 0;
};

class PciConfigSpace {
 public:
  static constexpr std::size_t kSize = 256;

  explicit PciConfigSpace(const PciIds& ids);

  // Guest accesses: 1, 2 or 4 bytes, wholly inside the space, little-endian. Anything else
  // reads all-ones / is ignored (write returns false).
  std::uint32_t read(std::uint16_t offset, std::size_t size) const;
  bool write(std::uint16_t offset, std::size_t size, std::uint32_t value);

  // Device-side access, bypassing write masks. Offsets must be in range (they come from the
  // device model, not the guest); out-of-range accesses throw std::out_of_range.
  std::uint8_t read8(std::uint16_t offset) const;
  std::uint16_t read16(std::uint16_t offset) const;
  std::uint32_t read32(std::uint16_t offset) const;
  void set8(std::uint16_t offset, std::uint8_t value);
  void set16(std::uint16_t offset, std::uint16_t value);
  void set32(std::uint16_t offset, std::uint32_t value);
  // Which bits of [offset, offset + size) the guest may change (little-endian mask).
  void set_write_mask(std::uint16_t offset, std::size_t size, std::uint32_t mask);

  // Appends a capability: writes `id`, links it at the end of the list (cap pointer at 0x34
  // for the first, the previous capability's next byte otherwise), sets status bit 4, and
  // copies `body` (the bytes after id and next; a vendor capability's body starts with its
  // cap_len). Returns the capability's offset. Throws std::length_error when it does not fit.
  std::uint8_t add_capability(std::uint8_t id, std::span<const std::uint8_t> body);

  // Declares BAR `index` (0..5; a 64-bit BAR also takes index + 1). Throws
  // std::invalid_argument for a bad index, a taken slot, or a size that is not a power of
  // two between 16 bytes and the type's limit (2 GiB for 32-bit, 2^63 for 64-bit).
  void add_bar(int index, std::uint64_t size, PciBarType type, bool prefetchable);

  // The BAR declared at `index`; nullopt for an unused slot or the upper half of a 64-bit BAR.
  std::optional<PciBarInfo> bar_info(int index) const;
  // The BAR's current address as the guest last wrote it (type bits masked off); 0 for an
  // unused slot.
  std::uint64_t bar_address(int index) const;
  // Firmware-style assignment (ignores write masks); low bits below the size are dropped.
  void set_bar_address(int index, std::uint64_t address);

  std::uint16_t command() const;
  void set_interrupt(std::uint8_t line, std::uint8_t pin);

 private:
  static constexpr std::uint8_t kNoCapability = 0;

  bool bar_slot_valid(int index) const;

  std::array<std::uint8_t, kSize> bytes_{};
  std::array<std::uint8_t, kSize> write_mask_{};
  std::array<std::optional<PciBarInfo>, 6> bars_{};
  std::array<bool, 6> bar_upper_half_{};
  std::uint8_t last_capability_ = kNoCapability;
  std::uint16_t next_capability_offset_;
};

}  // namespace vmm
