// MemoryMapper: how a device puts host memory into the guest-physical address space (memory
// it shares with the guest through a BAR) without knowing KVM — the counterpart of crosvm's
// SharedMemoryMapper. MemslotTable implements it; unit tests use a fake or a MemslotTable
// over a fake backend. Errors come back as values: a guest can cause every one of them.
#pragma once

#include <cstdint>
#include <string>

#include "memory/host_memory_lease.h"
#include "memory/memslot.h"

namespace vmm {

class MemoryMapper {
 public:
  virtual ~MemoryMapper() = default;
  // Installs a memslot for `request`; MemslotResult::slot identifies it afterwards. The
  // mapper holds `lease` (see HostMemoryLease) while the slot is live: until unmap() has
  // succeeded, or for good when the hypervisor refuses to let the slot go. A refused map()
  // drops it at once.
  virtual MemslotResult map(const MemslotRequest& request, HostMemoryLease lease = {}) = 0;
  // On success the slot's lease is let go before this returns; on failure it is kept.
  virtual MemslotResult unmap(std::uint32_t slot) = 0;
  // Moves a live slot (its BAR was moved by the guest); size and backing stay.
  virtual MemslotResult move(std::uint32_t slot, std::uint64_t new_guest_addr) = 0;
  // Records a request the device refused because `slot`, which would have served it, cannot
  // honour it as asked — so the refusal shows in the trace and the report, not only in the
  // guest's error answer.
  virtual void refused(const MemslotRequest& request, std::uint32_t slot, const std::string& why) = 0;
};

}  // namespace vmm
