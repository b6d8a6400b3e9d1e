// MemslotBackend: the hypervisor side of the memslot table. The KVM implementation lives in
// vmm/kvm/; unit tests use a fake that records calls and can be told to fail.
#pragma once

#include <cstdint>

#include "memory/memslot.h"

namespace vmm {

struct InstallResult {
  int error = 0;  // 0 or a positive errno from the hypervisor
  AppliedFlags applied;
};

class MemslotBackend {
 public:
  virtual ~MemslotBackend() = default;

  // How many slots the hypervisor allows (KVM_CAP_NR_MEMSLOTS); numbers are 0..limit-1.
  virtual std::uint32_t slot_limit() const = 0;

  // Creates `slot`, or, when it exists already, moves it to request.guest_addr (KVM allows a
  // slot to move but not to change size). Decides the flags from the request.
  virtual InstallResult install(std::uint32_t slot, const MemslotRequest& request) = 0;

  // What install() would tell the hypervisor for `request`, without telling it: a slot that
  // waits for its first touch is listed with the flags it will get.
  virtual AppliedFlags describe(const MemslotRequest& request) const = 0;

  // Deletes `slot`. Returns 0 or a positive errno.
  virtual int uninstall(std::uint32_t slot, const Memslot& current) = 0;
};

}  // namespace vmm
