#include "vmm/assembly/entry_state.h"

namespace vmm {

namespace {

kvm_segment to_kvm(const Segment& s) {
  kvm_segment k{};
  k.base = s.base;
  k.limit = s.limit;
  k.selector = s.selector;
  k.type = s.type;
  k.present = s.present;
  k.dpl = s.dpl;
  k.db = s.db;
  k.s = s.s;
  k.l = s.l;
  k.g = s.g;
  k.avl = s.avl;
  k.unusable = s.unusable;
  return k;
}

}  // namespace

void apply_entry_state(KvmVcpu& vcpu, const X86EntryState& state) {
  // Start from KVM's reset state so fields boot/ does not describe (APIC base, the
  // interrupt bitmap) keep their architectural values.
  kvm_sregs sregs = vcpu.sregs();
  sregs.cs = to_kvm(state.cs);
  sregs.ds = to_kvm(state.ds);
  sregs.es = to_kvm(state.es);
  sregs.fs = to_kvm(state.fs);
  sregs.gs = to_kvm(state.gs);
  sregs.ss = to_kvm(state.ss);
  sregs.tr = to_kvm(state.tr);
  sregs.ldt = to_kvm(state.ldtr);
  sregs.gdt.base = state.gdt.base;
  sregs.gdt.limit = state.gdt.limit;
  sregs.idt.base = state.idt.base;
  sregs.idt.limit = state.idt.limit;
  sregs.cr0 = state.cr0;
  sregs.cr3 = state.cr3;
  sregs.cr4 = state.cr4;
  sregs.efer = state.efer;
  vcpu.set_sregs(sregs);

  kvm_regs regs{};
  regs.rip = state.rip;
  regs.rsi = state.rsi;
  regs.rsp = state.rsp;
  regs.rflags = state.rflags;
  vcpu.set_regs(regs);

  apply_msrs(vcpu, state.msrs);
}

void apply_msrs(KvmVcpu& vcpu, const std::vector<Msr>& msrs) {
  std::vector<std::pair<std::uint32_t, std::uint64_t>> pairs;
  for (const auto& msr : msrs) pairs.emplace_back(msr.index, msr.value);
  vcpu.set_msrs(pairs);
}

}  // namespace vmm
