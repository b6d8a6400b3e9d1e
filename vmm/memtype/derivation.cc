#include "vmm/memtype/derivation.h"

#include <set>

#include "vmm/memtype/pat.h"

namespace vmm::memtype {

const char* to_string(SecondLevelView::Source source) {
  return source == SecondLevelView::Source::Spte ? "spte" : "rule";
}

SecondLevelView predict_second_level(SecondLevel paging, bool guest_pat_honoured, bool guest_pat_unknown,
                                     std::string rule) {
  SecondLevelView view;
  view.source = SecondLevelView::Source::Rule;
  view.paging = paging;
  view.rule = std::move(rule);
  switch (paging) {
    case SecondLevel::Ept:
      // KVM's vmx_get_mt_mask for host RAM: WB, with IPAT unless the guest's PAT is to count
      // (the slot flag, or the IGNORE_GUEST_PAT quirk disabled).
      view.host_type = MemoryType::WB;
      view.ipat = !guest_pat_honoured;
      break;
    case SecondLevel::Npt:
      // KVM leaves PWT/PCD/PAT of nested entries clear: host PAT index 0, WB.
      view.host_type = MemoryType::WB;
      break;
    case SecondLevel::Shadow:
      view.note = "shadow paging: KVM's entries map guest-virtual pages and carry no type vmm can read";
      break;
  }
  if (guest_pat_unknown && paging != SecondLevel::Shadow) view.note = "the policy cannot say";
  return view;
}

MappingDerivation derive_mapping(const MappingRun& run, const GuestTypeInputs& guest,
                                 const SecondLevelView& second) {
  MappingDerivation d;
  d.run = run;
  if (guest.pat) d.guest_pat_type = pat_entry(*guest.pat, run.pat_index);
  if (guest.mtrr)
    d.guest_mtrr = mtrr_type(*guest.mtrr, run.gpa, run.size, guest.phys_addr_bits);
  else
    d.guest_mtrr.explanation = "the guest's MTRRs could not be read";
  if (!d.guest_pat_type) {
    d.unknown = guest.pat ? "IA32_PAT entry " + std::to_string(run.pat_index) + " holds a reserved encoding"
                          : "the guest's IA32_PAT could not be read";
    return d;
  }
  if (d.guest_mtrr.type) d.guest_view = combine_mtrr_pat(*d.guest_mtrr.type, *d.guest_pat_type, guest.cr0_cd());
  if (!second.host_type) {
    d.unknown = second.note.empty() ? "the second level's type is unknown" : second.note;
    return d;
  }
  switch (second.paging) {
    case SecondLevel::Ept:
      d.effective = combine_ept(*second.host_type, second.ipat, *d.guest_pat_type, guest.cr0_cd());
      break;
    case SecondLevel::Npt:
      d.effective = combine_npt(*d.guest_pat_type, *second.host_type, second.host_mtrr, guest.cr0_cd());
      if (!d.effective)
        d.unknown = "NPT host type " + std::string(to_string(*second.host_type)) +
                    " with a guest type is not modelled (only host WB and UC are)";
      break;
    case SecondLevel::Shadow:
      d.unknown = "shadow paging";
      break;
  }
  return d;
}

std::string summarize_effective(const std::vector<MappingDerivation>& mappings) {
  if (mappings.empty()) return "no guest mapping found";
  std::set<std::string> types;
  std::string unknown;
  for (const auto& m : mappings) {
    if (m.effective)
      types.insert(std::string(to_string(m.effective->type)));
    else if (unknown.empty())
      unknown = m.unknown;
  }
  if (types.empty()) return "unknown (" + unknown + ")";
  std::string out;
  for (const auto& t : types) out += (out.empty() ? "" : ", ") + t;
  if (!unknown.empty()) out += ", unknown";
  return out;
}

}  // namespace vmm::memtype
