// Bus: dispatches guest port-I/O or MMIO accesses to the device whose range holds them.
//
// The VMM keeps one Bus for port I/O and one for MMIO. Ranges never overlap; an access is
// delivered only when it lies wholly inside one range, with offset = addr - base. An access
// nobody claims makes read()/write() return false: the caller logs it and, for reads,
// answers 0xff bytes as an empty bus would.
//
// Thread safety: read() and write() may run concurrently from any number of vCPU threads;
// add() and remove() may run at any time from any thread (they take an exclusive lock).
// The lock is NOT held while a device runs, so a device may itself add or remove ranges
// (e.g. a PCI BAR being moved) without deadlock. The price: an access that was looked up
// just before remove() returned may still reach the removed device once, and devices must
// be internally synchronised when several vCPUs can reach them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "devices/bus_device.h"

namespace vmm {

// One registered range, as listed for diagnostics.
struct BusRange {
  std::string name;
  std::uint64_t base = 0;
  std::uint64_t size = 0;
};

class Bus {
 public:
  // Registers `device` for [base, base + size). Throws std::invalid_argument when size is
  // 0, the range wraps past 2^64, `device` is null, or the range overlaps an existing one
  // (the message names both devices and both ranges). A range may end at 2^64 - 1.
  void add(std::uint64_t base, std::uint64_t size, std::shared_ptr<BusDevice> device,
           std::string name);

  // Unregisters the range starting exactly at `base`; false if there is none.
  bool remove(std::uint64_t base);

  // Dispatches to the device whose range holds [addr, addr + data.size()). False (and the
  // data untouched) when no single range holds the whole access or data is empty.
  bool read(std::uint64_t addr, std::span<std::uint8_t> data) const;
  bool write(std::uint64_t addr, std::span<const std::uint8_t> data) const;

  // All ranges, ordered by base.
  std::vector<BusRange> ranges() const;

 private:
  struct Entry {
    std::uint64_t size;
    std::shared_ptr<BusDevice> device;
    std::string name;
  };

  // Finds the device holding the whole access; on success sets `offset`.
  std::shared_ptr<BusDevice> find(std::uint64_t addr, std::uint64_t len,
                                  std::uint64_t& offset) const;

  mutable std::shared_mutex mutex_;
  std::map<std::uint64_t, Entry> entries_;  // keyed by base
};

}  // namespace vmm
