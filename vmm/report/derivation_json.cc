#include "vmm/report/derivation_json.h"

#include <nlohmann/json.hpp>

#include "base/format.h"
#include "vmm/memtype/pat.h"

namespace vmm {

namespace {

using namespace memtype;

nlohmann::json type_or_null(const std::optional<MemoryType>& type) {
  return type ? nlohmann::json(std::string(to_string(*type))) : nlohmann::json(nullptr);
}

const char* page_name(unsigned shift) { return shift == 30 ? "1G" : shift == 21 ? "2M" : "4K"; }

nlohmann::json guest_json(const GuestTypeInputs& g) {
  nlohmann::json j = {
      {"vcpu", g.vcpu},
      {"cr0", hex(g.regs.cr0)},
      {"cr3", hex(g.regs.cr3)},
      {"cr4", hex(g.regs.cr4)},
      {"efer", hex(g.regs.efer)},
      {"paging", to_string(paging_mode(g.regs))},
      {"cr0_cd", g.cr0_cd()},
      {"ia32_pat", g.pat ? nlohmann::json(hex(*g.pat)) : nlohmann::json(nullptr)},
  };
  if (g.mtrr) {
    j["mtrr"] = {{"cap", hex(g.mtrr->cap)},
                 {"def_type", hex(g.mtrr->def_type)},
                 {"variable_pairs", g.mtrr->variable.size()}};
  } else {
    j["mtrr"] = nullptr;
  }
  return j;
}

nlohmann::json walk_json(const WalkResult& w, std::uint64_t walk_ns) {
  nlohmann::json j = {{"entries_visited", w.entries_visited},
                      {"tables_visited", w.tables_visited},
                      {"tables_outside_ram", w.tables_outside_ram},
                      {"tables_aliased", w.tables_aliased},
                      {"entries_reserved", w.entries_reserved},
                      {"budget_exhausted", w.budget_exhausted},
                      {"mappings_dropped", w.runs_dropped},
                      {"walk_ns", walk_ns}};
  if (!w.not_walked.empty()) j["not_walked"] = w.not_walked;
  return j;
}

nlohmann::json second_level_json(const SecondLevelView& s) {
  nlohmann::json j = {{"source", to_string(s.source)},
                      {"paging", std::string(to_string(s.paging))},
                      {"host_type", type_or_null(s.host_type)}};
  if (s.paging == SecondLevel::Ept) j["ipat"] = s.ipat;
  if (s.source == SecondLevelView::Source::Spte) {
    j["spte"] = hex(s.spte);
    j["level"] = s.level;
    j["gfn"] = hex(s.gfn);
    j["entries"] = s.entries;
    j["decoded"] = s.decoded;
    if (!s.variants.empty()) j["variants"] = s.variants;
  }
  if (s.paging == SecondLevel::Npt) j["host_pat"] = "Linux's layout assumed (index 0 is WB in it, as at power-on)";
  if (s.host_type) j["host_mtrr"] = std::string(to_string(s.host_mtrr)) + " assumed: the slot's memory is host RAM";
  j["rule"] = s.rule;
  if (!s.note.empty()) j["note"] = s.note;
  return j;
}

nlohmann::json mapping_json(const MappingDerivation& m) {
  const MappingRun& r = m.run;
  const bool large = r.page_shift > 12;
  nlohmann::json j = {
      {"va", hex(r.va)},
      {"gpa", hex(r.gpa)},
      {"size", hex(r.size)},
      {"page", page_name(r.page_shift)},
      {"leaf_entry", hex(r.leaf_entry)},
      {"pwt", (r.leaf_entry & kPtePwt) != 0},
      {"pcd", (r.leaf_entry & kPtePcd) != 0},
      {"pat_bit", (r.leaf_entry & (large ? kPtePatLarge : kPtePat4K)) != 0},
      {"pat_index", r.pat_index},
      {"user", r.user},
      {"writable", r.writable},
      {"guest_pat_type", type_or_null(m.guest_pat_type)},
      {"guest_mtrr", type_or_null(m.guest_mtrr.type)},
      {"guest_mtrr_from", m.guest_mtrr.explanation},
      {"guest_view", m.guest_view ? nlohmann::json(std::string(to_string(m.guest_view->type))) : nlohmann::json(nullptr)},
      {"effective", m.effective ? nlohmann::json(std::string(to_string(m.effective->type))) : nlohmann::json(nullptr)},
  };
  if (m.guest_view) j["guest_view_rule"] = m.guest_view->rule;
  if (m.effective) {
    j["rule"] = m.effective->rule;
    if (m.effective->implementation_defined) j["implementation_defined"] = true;
  } else {
    j["unknown"] = m.unknown;
  }
  return j;
}

}  // namespace

nlohmann::json derivation_json(const SlotDerivation& d) {
  nlohmann::json mappings = nlohmann::json::array();
  for (const auto& m : d.mappings) mappings.push_back(mapping_json(m));
  nlohmann::json j = {
      {"slot", d.slot.slot},
      {"serial", d.slot.serial},
      {"owner", d.slot.owner},
      {"guest_addr", hex(d.slot.gpa)},
      {"size", hex(d.slot.size)},
      {"requested", d.slot.requested},
      {"applied", d.slot.applied},
      {"policy_rule", d.slot.rule},
      {"moment", d.moment},
      {"t_ns", d.t_ns},
      {"guest", guest_json(d.guest)},
      {"walk", walk_json(d.walk, d.walk_ns)},
      {"second_level", second_level_json(d.second_level)},
      {"mappings", mappings},
      {"effective", d.effective},
  };
  if (!d.slot.map_info.empty()) j["map_info"] = d.slot.map_info;
  if (d.touched_gpa) j["touched_gpa"] = hex(d.touched_gpa);
  return j;
}

}  // namespace vmm
