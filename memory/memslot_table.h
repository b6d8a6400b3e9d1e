// MemslotTable: every memslot of the VM is created, moved and removed through here, and
// nowhere else. The table owns slot numbering (lowest free number first, reused after
// removal), refuses requests that KVM would refuse or silently misbehave on (zero size,
// unaligned, overlapping another slot, wrapping, beyond the slot limit), records the
// requested MemCacheType next to the flags the backend really applied, and tells its
// subscribers about every change (the --memslot-trace writer, later the FDT builder).
//
// Errors are returned, not thrown: a guest can cause a bad request (a BAR moved onto RAM,
// a blob mapped twice) and that must come back as an answer, not unwind a vCPU thread.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "memory/memslot.h"
#include "memory/memory_mapper.h"
#include "memory/memslot_backend.h"

namespace vmm {

class MemslotTable : public MemoryMapper {
 public:
  using Listener = std::function<void(const MemslotEvent&)>;

  explicit MemslotTable(MemslotBackend& backend) : backend_(backend) {}

  // MemoryMapper: the one way to create, remove and move a slot, for devices and for the
  // machine's RAM alike.
  MemslotResult map(const MemslotRequest& request) override;
  MemslotResult unmap(std::uint32_t slot) override;
  MemslotResult move(std::uint32_t slot, std::uint64_t new_guest_addr) override;
  void refused(const MemslotRequest& request, std::uint32_t slot, const std::string& why) override;

  std::optional<Memslot> find(std::uint32_t slot) const;
  // All live slots, ordered by guest address.
  std::vector<Memslot> slots() const;

  // Listeners run synchronously, in subscription order, with the table's lock released.
  void subscribe(Listener listener);

  // From now on, every removed device slot (not guest RAM) of at most
  // kMaxRemovalChecksumBytes carries the FNV-1a-32 of its host memory, computed in unmap()
  // after the hypervisor let go of the slot and before the device can free the memory: the
  // only moment it is both final and certainly mapped. unmap() runs on whichever thread the
  // guest made remove the slot (a vCPU thread), so the bound is the most hashing one guest
  // request can cost there (~10 ms at 1.5 GB/s); larger slots say why they have none.
  static constexpr std::uint64_t kMaxRemovalChecksumBytes = 16ull << 20;
  void checksum_removals() { checksum_removals_ = true; }

 private:
  std::string check_range(std::uint64_t guest_addr, std::uint64_t size,
                          std::optional<std::uint32_t> ignore_slot) const;
  std::optional<std::uint32_t> lowest_free_slot() const;
  void take_number(std::uint32_t number);
  void release_number(std::uint32_t number);
  void notify(const MemslotEvent& event);

  MemslotBackend& backend_;
  mutable std::mutex mutex_;
  // A guest may keep thousands of blob slots live (one per mapped HOST3D blob), so every
  // operation is O(log n): the slots by number, the same slots by guest address (they never
  // overlap, so only the neighbours of an address can collide with it), and the numbers freed
  // below the highest ever handed out.
  std::map<std::uint32_t, Memslot> slots_;
  std::map<std::uint64_t, std::uint32_t> by_guest_addr_;
  std::set<std::uint32_t> free_numbers_;
  std::uint32_t next_number_ = 0;  // every number from here up is free
  std::vector<Listener> listeners_;
  bool checksum_removals_ = false;  // set once before the guest runs
};

}  // namespace vmm
