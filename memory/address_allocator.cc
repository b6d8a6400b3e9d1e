#include "memory/address_allocator.h"

#include <bit>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <utility>

namespace vmm {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

// Inclusive last address of [addr, addr + size); the caller has checked size > 0 and that
// the range does not wrap.
std::uint64_t last_of(std::uint64_t addr, std::uint64_t size) { return addr + (size - 1); }

bool wraps(std::uint64_t addr, std::uint64_t size) { return size - 1 > kMax - addr; }

}  // namespace

AddressAllocator::AddressAllocator(std::uint64_t base, std::uint64_t size) : base_(base) {
  if (size == 0) throw std::invalid_argument("address allocator: window size is zero");
  if (wraps(base, size))
    throw std::invalid_argument("address allocator: window runs past the end of the address space");
  last_ = last_of(base, size);
}

bool AddressAllocator::contains(std::uint64_t addr, std::uint64_t size) const {
  if (size == 0 || wraps(addr, size)) return false;
  return addr >= base_ && last_of(addr, size) <= last_;
}

std::optional<std::uint64_t> AddressAllocator::allocate(std::uint64_t size,
                                                        std::uint64_t alignment,
                                                        std::string owner) {
  if (size == 0 || !std::has_single_bit(alignment)) return std::nullopt;
  // Walk the gaps in address order; `cursor` is the first address not yet known to be taken.
  std::uint64_t cursor = base_;
  auto it = entries_.begin();
  while (true) {
    // Align up without overflow: a cursor too close to 2^64 simply has no aligned address.
    const std::uint64_t misalign = cursor & (alignment - 1);
    if (misalign != 0) {
      if (alignment - misalign > kMax - cursor) return std::nullopt;
      cursor += alignment - misalign;
    }
    if (cursor > last_ || wraps(cursor, size)) return std::nullopt;
    const std::uint64_t end_last = last_of(cursor, size);
    if (end_last > last_) return std::nullopt;
    // Skip entries wholly below the candidate.
    while (it != entries_.end() && last_of(it->first, it->second.size) < cursor) ++it;
    if (it == entries_.end() || it->first > end_last) {
      entries_.emplace(cursor, Entry{size, std::move(owner)});
      return cursor;
    }
    // The candidate overlaps `it`: continue right after it.
    const std::uint64_t it_last = last_of(it->first, it->second.size);
    if (it_last == kMax) return std::nullopt;
    cursor = it_last + 1;
    ++it;
  }
}

bool AddressAllocator::reserve(std::uint64_t addr, std::uint64_t size, std::string owner) {
  if (!contains(addr, size)) return false;
  const std::uint64_t last = last_of(addr, size);
  auto next = entries_.lower_bound(addr);
  if (next != entries_.end() && next->first <= last) return false;
  if (next != entries_.begin()) {
    auto prev = std::prev(next);
    if (last_of(prev->first, prev->second.size) >= addr) return false;
  }
  entries_.emplace(addr, Entry{size, std::move(owner)});
  return true;
}

bool AddressAllocator::free(std::uint64_t addr) { return entries_.erase(addr) == 1; }

std::vector<AddressAllocator::Allocation> AddressAllocator::allocations() const {
  std::vector<Allocation> out;
  out.reserve(entries_.size());
  for (const auto& [addr, entry] : entries_) out.push_back({addr, entry.size, entry.owner});
  return out;
}

}  // namespace vmm
