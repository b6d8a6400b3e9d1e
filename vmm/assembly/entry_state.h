// Applies boot/'s plain-struct CPU entry state to a KVM vCPU. The translation lives in
// vmm/ because it is the one place that knows both boot/'s structs and KVM's.
#pragma once

#include "boot/x86_entry.h"
#include "vmm/kvm/kvm_vcpu.h"

namespace vmm {

void apply_entry_state(KvmVcpu& vcpu, const X86EntryState& state);
void apply_msrs(KvmVcpu& vcpu, const std::vector<Msr>& msrs);

}  // namespace vmm
