// What the memory-type derivation needs of a vCPU, read through KVM: the paging registers
// (KVM_GET_SREGS), IA32_PAT and the MTRRs (KVM_GET_MSRS). From the vCPU's own thread while
// it is out of KVM_RUN (at an exit), or from any thread once it has stopped.
#pragma once

#include <cstdint>

#include "vmm/kvm/kvm_vcpu.h"
#include "vmm/memtype/derivation.h"

namespace vmm {

// `phys_addr_bits`: the guest's CPUID.80000008H:EAX[7:0], which sizes its MTRR masks.
// Throws KvmError when the registers cannot be read; MSRs KVM refuses are left unset.
memtype::GuestTypeInputs read_guest_type_inputs(const KvmVcpu& vcpu, unsigned phys_addr_bits);

}  // namespace vmm
