#include "vmm/kvm/guest_type_inputs.h"

#include <algorithm>

#include "vmm/memtype/pat.h"

namespace vmm {

memtype::GuestTypeInputs read_guest_type_inputs(const KvmVcpu& vcpu, unsigned phys_addr_bits) {
  memtype::GuestTypeInputs in;
  in.vcpu = vcpu.index();
  in.phys_addr_bits = phys_addr_bits;
  const kvm_sregs sregs = vcpu.sregs();
  in.regs = {sregs.cr0, sregs.cr3, sregs.cr4, sregs.efer};

  // IA32_PAT and IA32_MTRRCAP first: the capability says how many variable pairs to ask for.
  const auto head = vcpu.msrs({memtype::kMsrPat, memtype::kMsrMtrrCap});
  in.pat = head[0];
  if (!head[1]) return in;
  const unsigned variable = std::min<unsigned>(*head[1] & 0xff, memtype::kMaxVariableMtrrs);
  const std::vector<std::uint32_t> indices = memtype::mtrr_msr_indices(variable);
  const auto values = vcpu.msrs(indices);
  if (std::any_of(values.begin(), values.end(), [](const auto& v) { return !v; })) return in;
  // mtrr_msr_indices: MTRRCAP, DEF_TYPE, the eleven fixed, then base/mask pairs.
  memtype::MtrrState mtrr;
  mtrr.cap = *values[0];
  mtrr.def_type = *values[1];
  for (std::size_t i = 0; i < mtrr.fixed.size(); ++i) mtrr.fixed[i] = *values[2 + i];
  for (unsigned n = 0; n < variable; ++n)
    mtrr.variable.push_back({*values[13 + 2 * n], *values[14 + 2 * n]});
  in.mtrr = mtrr;
  return in;
}

}  // namespace vmm
