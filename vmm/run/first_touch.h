// FirstTouch: one vCPU's side of device slots that reach KVM at their first touch
// (--derive-memtype first-touch, MemslotTable::install_device_slots_on_first_touch).
//
// The guest's first access to such a slot exits as MMIO on this vCPU: the access is served
// from the slot's memory, the memory type is derived from this vCPU's address space (the
// process that touched it), and the slot is installed, so the next access runs at memory
// speed. An instruction KVM cannot emulate (an AVX load, say) comes back instead as an
// emulation failure (vmm enables KVM_CAP_EXIT_ON_EMULATION_FAILURE for this): the pending
// slots are derived and installed and the instruction runs again, now on real memory.
#pragma once

#include "memory/memslot_table.h"
#include "vmm/kvm/host_facts.h"
#include "vmm/kvm/kvm_vcpu.h"
#include "vmm/kvm/vcpu_exit.h"
#include "vmm/run/exit_dispatch.h"
#include "vmm/run/memtype_deriver.h"

namespace vmm {

class FirstTouch : public DeviceMemory {
 public:
  // `deriver` may be null (slots are then only served and installed). `emulation_exits`:
  // KVM_CAP_EXIT_ON_EMULATION_FAILURE is on, so every emulation failure reaches vmm.
  FirstTouch(MemslotTable& table, const KvmVcpu& vcpu, MemtypeDeriver* deriver, KvmFlavour flavour,
             bool emulation_exits)
      : table_(table), vcpu_(vcpu), deriver_(deriver), flavour_(flavour), emulation_exits_(emulation_exits) {}

  bool access(std::uint64_t gpa, std::span<std::uint8_t> data, bool is_write) override;

  // An emulation failure: true when handled and the vCPU should run again (a pending slot
  // was installed, or the guest got the #UD that KVM gives user space by default); false
  // when it is a real failure of the VM.
  bool emulation_failure(const VcpuExit& exit, KvmVcpu& vcpu);

  // The guest-physical address of the access that failed, where the exit says it (AMD: the
  // nested page fault's exit_info_2); a plain function of the exit's data words.
  static std::optional<std::uint64_t> faulting_gpa(const VcpuExit& exit, KvmFlavour flavour);

 private:
  MemslotTable::FirstTouch derive() const;

  MemslotTable& table_;
  const KvmVcpu& vcpu_;
  MemtypeDeriver* deriver_;
  KvmFlavour flavour_;
  bool emulation_exits_;
};

}  // namespace vmm
