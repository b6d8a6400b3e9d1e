// HostMemoryLease: a share in whatever keeps a slot's host memory alive. Whoever maps memory
// into the guest hands the memslot table a lease with the request; the table holds it, apart
// from the slot's description (events and listeners copy that), until the hypervisor has let
// the slot go. A removal the hypervisor refuses keeps the lease, so memory the guest can still
// reach is never freed under it, and the mapper needs no bookkeeping of its own for that case.
// The counterpart of crosvm's add_memory_region taking the mapping "so that it won't be
// unmapped until the slot is removed".
#pragma once

#include <functional>
#include <memory>
#include <utility>

namespace vmm {

// Empty: the caller keeps the memory alive by other means (guest RAM lives as long as the VM).
using HostMemoryLease = std::shared_ptr<const void>;

// A lease that runs `release` once, when its last holder lets go of it: for memory that is
// given back by a call rather than by a destructor.
inline HostMemoryLease lease_running(std::function<void()> release) {
  struct Release {
    explicit Release(std::function<void()> f) : run(std::move(f)) {}
    Release(const Release&) = delete;
    Release& operator=(const Release&) = delete;
    ~Release() {
      if (run) run();
    }
    std::function<void()> run;
  };
  return std::make_shared<const Release>(std::move(release));
}

}  // namespace vmm
