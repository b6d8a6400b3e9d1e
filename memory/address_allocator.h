// AddressAllocator: hands out pieces of one guest-physical window, e.g. the 32-bit MMIO
// window below the IOAPIC or the 64-bit window above RAM, to PCI BARs.
//
// Allocation is first fit from the bottom of the window, at the requested alignment (a BAR
// asks for alignment = size, its natural alignment). reserve() claims an exact range, which
// is how a BAR the guest moved is recorded. All arithmetic is overflow-safe: a window may end
// at 2^64, and sizes or addresses a guest made up yield false/nullopt, never a wrap.
//
// Not internally synchronised: the owner (PciRoot) serialises calls.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vmm {

class AddressAllocator {
 public:
  struct Allocation {
    std::uint64_t addr = 0;
    std::uint64_t size = 0;
    std::string owner;  // the device and BAR ("<device> BAR0"): shown in diagnostics
  };

  // The window [base, base + size). Throws std::invalid_argument when size is 0 or the
  // window runs past 2^64.
  AddressAllocator(std::uint64_t base, std::uint64_t size);

  // The lowest free address aligned to `alignment` with room for `size` bytes. nullopt when
  // size is 0, alignment is not a power of two, or no gap is large enough.
  std::optional<std::uint64_t> allocate(std::uint64_t size, std::uint64_t alignment,
                                        std::string owner);

  // Claims exactly [addr, addr + size). False when size is 0, the range is not wholly
  // inside the window, or it overlaps an existing allocation.
  bool reserve(std::uint64_t addr, std::uint64_t size, std::string owner);

  // Releases the allocation starting exactly at `addr`; false if there is none.
  bool free(std::uint64_t addr);

  // True if [addr, addr + size) lies wholly inside the window (size > 0).
  bool contains(std::uint64_t addr, std::uint64_t size) const;

  std::uint64_t base() const { return base_; }
  std::uint64_t size() const { return last_ - base_ + 1; }
  // Inclusive last address of the window, which cannot overflow even at 2^64 - 1.
  std::uint64_t last() const { return last_; }

  // All allocations, ordered by address.
  std::vector<Allocation> allocations() const;

 private:
  struct Entry {
    std::uint64_t size;
    std::string owner;
  };

  std::uint64_t base_;
  std::uint64_t last_;  // inclusive
  std::map<std::uint64_t, Entry> entries_;  // keyed by start address
};

}  // namespace vmm
