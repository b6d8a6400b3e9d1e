#include "devices/bus.h"

#include <iterator>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <utility>

#include <spdlog/fmt/fmt.h>  // the fmt spdlog was built with

namespace vmm {
namespace {

// Inclusive last address; the caller has checked that size > 0 and the range does not wrap.
std::uint64_t last_of(std::uint64_t base, std::uint64_t size) { return base + (size - 1); }

std::string describe(const std::string& name, std::uint64_t base, std::uint64_t size) {
  return fmt::format("'{}' [{:#x}, {:#x}]", name, base, last_of(base, size));
}

}  // namespace

void Bus::add(std::uint64_t base, std::uint64_t size, std::shared_ptr<BusDevice> device,
              std::string name) {
  if (size == 0) {
    throw std::invalid_argument(
        fmt::format("bus: cannot add '{}' at {:#x}: size is zero", name, base));
  }
  if (size - 1 > std::numeric_limits<std::uint64_t>::max() - base) {
    throw std::invalid_argument(fmt::format(
        "bus: cannot add '{}' at {:#x} size {:#x}: range wraps past the end of the address space",
        name, base, size));
  }
  if (!device) {
    throw std::invalid_argument(fmt::format("bus: cannot add '{}': device is null", name));
  }

  const std::uint64_t last = last_of(base, size);
  std::unique_lock lock(mutex_);
  // Only two neighbours can overlap: the first range starting after `base` (if it starts
  // at or before our last address) and the range starting at or before `base` (if it
  // reaches `base`).
  auto next = entries_.upper_bound(base);
  if (next != entries_.end() && next->first <= last) {
    throw std::invalid_argument(
        fmt::format("bus: cannot add {}: it overlaps {}", describe(name, base, size),
                    describe(next->second.name, next->first, next->second.size)));
  }
  if (next != entries_.begin()) {
    auto prev = std::prev(next);
    if (last_of(prev->first, prev->second.size) >= base) {
      throw std::invalid_argument(
          fmt::format("bus: cannot add {}: it overlaps {}", describe(name, base, size),
                      describe(prev->second.name, prev->first, prev->second.size)));
    }
  }
  entries_.emplace(base, Entry{size, std::move(device), std::move(name)});
}

bool Bus::remove(std::uint64_t base) {
  std::unique_lock lock(mutex_);
  return entries_.erase(base) == 1;
}

std::shared_ptr<BusDevice> Bus::find(std::uint64_t addr, std::uint64_t len,
                                     std::uint64_t& offset) const {
  if (len == 0) return nullptr;
  std::shared_lock lock(mutex_);
  auto it = entries_.upper_bound(addr);
  if (it == entries_.begin()) return nullptr;
  --it;
  const std::uint64_t off = addr - it->first;
  const std::uint64_t size = it->second.size;
  // Written to avoid overflow: the access must start inside and end inside the range.
  if (off >= size || len > size - off) return nullptr;
  offset = off;
  // Copying the shared_ptr lets the device run without the lock held (see bus.h).
  return it->second.device;
}

bool Bus::read(std::uint64_t addr, std::span<std::uint8_t> data) const {
  std::uint64_t offset = 0;
  auto device = find(addr, data.size(), offset);
  if (!device) return false;
  device->read(offset, data);
  return true;
}

bool Bus::write(std::uint64_t addr, std::span<const std::uint8_t> data) const {
  std::uint64_t offset = 0;
  auto device = find(addr, data.size(), offset);
  if (!device) return false;
  device->write(offset, data);
  return true;
}

std::vector<BusRange> Bus::ranges() const {
  std::shared_lock lock(mutex_);
  std::vector<BusRange> out;
  out.reserve(entries_.size());
  for (const auto& [base, entry] : entries_) {
    out.push_back(BusRange{entry.name, base, entry.size});
  }
  return out;
}

}  // namespace vmm
