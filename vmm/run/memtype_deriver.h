// MemtypeDeriver: makes the derivations of the memory type the guest really gets for its
// device memory (vmm/memtype/slot_derivation.h) at the two moments a guest mapping of it
// can be seen, and hands them to the DerivationLog:
//   - a device slot's first touch (--derive-memtype first-touch): the memslot table calls
//     at_first_touch on the vCPU whose access exited, before the slot reaches KVM; that
//     vCPU's CR3 is the address space that touched the memory, a Linux process's for a
//     blob it mapped. Cost: one walk of that address space (WalkLimits: at most 2M entries).
//   - the stop: every vCPU's address space (each distinct CR3 once) against every live
//     device slot.
// The second level comes from KVM's own entries (SpteTracer) where it reported any for the
// slot, else from the policy's rule; second_level() is asked again when the report is
// written, so a derivation made before KVM mapped the slot gets its entries then.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "memory/guest_memory.h"
#include "memory/memslot.h"
#include "vmm/kvm/host_facts.h"
#include "vmm/kvm/kvm_vcpu.h"
#include "vmm/kvm/spte_tracer.h"
#include "vmm/memtype/slot_derivation.h"
#include "vmm/report/derivation_log.h"

namespace vmm {

class MemtypeDeriver {
 public:
  // `tracer` may be null: `tracer_unavailable` then says why (one line, for every
  // derivation's note).
  MemtypeDeriver(const GuestMemory& memory, const HostFacts& facts, unsigned guest_phys_addr_bits,
                 DerivationLog& log, const SpteTracer* tracer, std::string tracer_unavailable)
      : memory_(memory), facts_(facts), phys_bits_(guest_phys_addr_bits), log_(log), tracer_(tracer),
        tracer_unavailable_(std::move(tracer_unavailable)) {}

  // On the vCPU thread, under the memslot table's lock (it must not call the table).
  void at_first_touch(const KvmVcpu& vcpu, const Memslot& slot, std::uint64_t gpa);
  // After the vCPUs stopped (their registers no longer change), or while they are paused
  // (--control's pause: `moment` "pause").
  void at_stop(const std::vector<KvmVcpu>& vcpus, const std::vector<Memslot>& slots, const char* moment = "stop");

  // `before_install`: asked at a first touch, when KVM does not have the slot yet.
  memtype::SecondLevelView second_level(const memtype::SlotFacts& slot, bool before_install = false) const;
  static memtype::SlotFacts facts_of(const Memslot& slot);

 private:
  const GuestMemory& memory_;
  const HostFacts& facts_;
  unsigned phys_bits_;
  DerivationLog& log_;
  const SpteTracer* tracer_;
  std::string tracer_unavailable_;
};

}  // namespace vmm
