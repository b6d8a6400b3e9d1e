#include "devices/gpu/backing_store.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace vmm::gpu {

std::optional<BackingStore> BackingStore::build(const GuestMemory& memory,
                                                std::span<const MemEntry> entries,
                                                std::string* error) {
  BackingStore store;
  store.entries_.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const MemEntry& e = entries[i];
    if (!memory.contains(e.addr, e.length)) {
      if (error != nullptr) {
        std::ostringstream out;
        out << "backing entry " << i << " (0x" << std::hex << e.addr << "+0x" << e.length
            << ") is not in guest RAM";
        *error = out.str();
      }
      return std::nullopt;
    }
    if (e.length == 0) continue;
    // At most 2^32 entries of under 2^32 bytes each: the sum cannot overflow 64 bits.
    store.entries_.push_back({e.addr, e.length, store.size_});
    store.size_ += e.length;
  }
  return store;
}

bool BackingStore::read(const GuestMemory& memory, std::uint64_t offset,
                        std::span<std::uint8_t> out) const {
  if (offset > size_ || out.size() > size_ - offset) return false;
  if (out.empty()) return true;
  // The last entry starting at or before `offset`.
  auto it = std::upper_bound(entries_.begin(), entries_.end(), offset,
                             [](std::uint64_t value, const Entry& e) { return value < e.start; });
  --it;
  std::size_t done = 0;
  while (done < out.size()) {
    const std::uint64_t within = offset + done - it->start;
    const std::uint64_t chunk = std::min<std::uint64_t>(it->length - within, out.size() - done);
    if (!memory.read(it->addr + within, out.subspan(done, chunk))) return false;
    done += chunk;
    ++it;
  }
  return true;
}

std::vector<iovec> BackingStore::host_pages(const GuestMemory& memory) const {
  std::vector<iovec> pages;
  pages.reserve(entries_.size());
  for (const Entry& e : entries_) {
    auto view = memory.span(e.addr, e.length);  // checked when the store was built
    if (view) pages.push_back({view->data(), view->size()});
  }
  return pages;
}

}  // namespace vmm::gpu
