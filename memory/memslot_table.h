// MemslotTable: every memslot of the VM is created, moved and removed through here, and
// nowhere else. The table owns slot numbering (lowest free number first, reused after
// removal), refuses requests that KVM would refuse or silently misbehave on (zero size,
// unaligned, overlapping another slot, wrapping, beyond the slot limit), records the
// requested MemCacheType next to the flags the backend really applied, and tells its
// subscribers about every change (the --memslot-trace writer, later the FDT builder).
//
// Errors are returned, not thrown: a guest can cause a bad request (a BAR moved onto RAM,
// memory mapped twice) and that must come back as an answer, not unwind a vCPU thread.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
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
  MemslotResult map(const MemslotRequest& request, HostMemoryLease lease = {}) override;
  MemslotResult unmap(std::uint32_t slot) override;
  MemslotResult move(std::uint32_t slot, std::uint64_t new_guest_addr) override;
  void refused(const MemslotRequest& request, std::uint32_t slot, const std::string& why) override;

  // From now on a device slot (not guest RAM) is numbered and listed when it is mapped, but
  // given to the hypervisor only when the guest first touches it: until then the guest's
  // accesses exit to vmm on the vCPU that made them, whose page tables are the accessing
  // process's (vmm/run/first_touch derives the memory type there). One extra exit per slot.
  // Set once, before the guest runs.
  void install_device_slots_on_first_touch() { first_touch_ = true; }

  // An access that reached a device slot (not RAM) as MMIO: the first touch of a pending
  // slot (its exit is how vmm learns which vCPU, and so which guest address space, touched
  // it first), or an access KVM was emulating when its slot went live. Copies between `data` and the slot's host memory, under the table's lock so the
  // memory cannot be unmapped meanwhile (bytes past the slot's end read 0xff and are not
  // written), then installs a pending slot, calling `first_touch` with it just before, still
  // under the lock: it must not call back into the table. Returns false when no device slot
  // holds `gpa`. A slot the hypervisor refuses stays pending and keeps being served here;
  // `install_error` then says why, for the caller to log.
  using FirstTouch = std::function<void(const Memslot& slot, std::uint64_t gpa)>;
  struct DeviceAccess {
    bool served = false;
    std::string install_error;
  };
  DeviceAccess serve_device_access(std::uint64_t gpa, std::span<std::uint8_t> data, bool is_write,
                                   const FirstTouch& first_touch);
  // Installs pending slots without serving an access: KVM could not emulate the instruction
  // that touched one, so it runs again once they are live. The slot holding `gpa` when that
  // is known, else every pending slot. Returns how many were installed.
  std::size_t install_pending(std::optional<std::uint64_t> gpa, const FirstTouch& first_touch);
  // Cheap, for the exit path: whether any slot waits for its first touch.
  bool has_pending() const { return pending_count_.load(std::memory_order_relaxed) != 0; }

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
  // The device slot holding gpa, or nullptr. Caller holds mutex_.
  Memslot* device_slot_at(std::uint64_t gpa);
  // Gives a pending slot to the backend. Caller holds mutex_. Empty, or why it was refused.
  std::string install_now(Memslot& slot, std::uint64_t gpa, const FirstTouch& first_touch, MemslotEvent& event);

  MemslotBackend& backend_;
  mutable std::mutex mutex_;
  // A guest may keep thousands of device slots live (one per buffer it maps), so every
  // operation is O(log n): the slots by number, the same slots by guest address (they never
  // overlap, so only the neighbours of an address can collide with it), and the numbers freed
  // below the highest ever handed out.
  std::map<std::uint32_t, Memslot> slots_;
  std::map<std::uint64_t, std::uint32_t> by_guest_addr_;
  // The leases of live slots that came with one, by number: kept here, not in Memslot,
  // because events and listeners copy Memslots and must not extend the memory's life.
  std::map<std::uint32_t, HostMemoryLease> leases_;
  std::set<std::uint32_t> free_numbers_;
  std::uint32_t next_number_ = 0;  // every number from here up is free
  std::uint64_t next_serial_ = 1;
  std::atomic<std::size_t> pending_count_{0};
  std::vector<Listener> listeners_;
  bool checksum_removals_ = false;  // set once before the guest runs
  bool first_touch_ = false;        // likewise
};

}  // namespace vmm
