// vmm-memtype: the derivation of one guest mapping's memory type, offline, from the same
// inputs and the same code (vmm/memtype, vmm/kvm/memtype_policy) vmm uses live:
//
//   vmm-memtype --paging ept --spte 0x123456977 --guest-pat 0x0407050600070106 --pat-index 1
//       decodes a second-level entry (as kvmmmu:kvm_mmu_set_spte prints it) and combines it
//       with the guest's PAT entry and MTRR type: "what does a guest WC page get over this?";
//   vmm-memtype --host intel-upstream --requested CacheNonCoherent --noncoherent-dma auto
//               --fixtures docs/memtype-matrix/ept-fixtures.json --guest-pat ... --pat-index 1
//       runs vmm's policy for a kind of host vmm cannot reach here, takes the entry KVM
//       writes for the resulting IPAT from a fixture file (labelled with where it came from),
//       and derives the same way (scripts/memtype-matrix's Intel rows).
// Output: a few lines for people, or --json.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "vmm/kvm/host_facts.h"
#include "vmm/kvm/memtype_policy.h"
#include "vmm/memtype/derivation.h"
#include "vmm/memtype/pat.h"

namespace {

using namespace vmm;
using namespace vmm::memtype;

// HostFacts for a kind of host, as vmm's probe would find them (the policy's unit tests
// play the same hosts against a fake KVM).
std::optional<HostFacts> host_kind(const std::string& kind) {
  HostFacts f;
  f.tdp = true;
  if (kind.rfind("intel", 0) == 0) {
    f.vendor = CpuVendor::Intel, f.vendor_id = "GenuineIntel", f.flavour = KvmFlavour::HardwareVmx, f.self_snoop = true;
    if (kind == "intel-chromeos") f.slot_flag_works = true, f.cap_239 = 1;
    else if (kind == "intel-upstream") f.disableable_quirks = 0x3ff, f.slot_flag_errno = EINVAL;
    else if (kind == "intel-old") f.disableable_quirks = 0x1ff, f.slot_flag_errno = EINVAL;
    else return std::nullopt;
    return f;
  }
  if (kind == "amd") {
    f.vendor = CpuVendor::Amd, f.vendor_id = "AuthenticAMD", f.flavour = KvmFlavour::HardwareSvm;
    f.slot_flag_errno = EINVAL;
    return f;
  }
  return std::nullopt;
}

int fail(const std::string& what) {
  std::fprintf(stderr, "vmm-memtype: %s\n", what.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("vmm-memtype: derive the memory type one guest mapping gets, offline", "vmm-memtype");
  std::string paging_name, spte_text, host, requested_name = "CacheNonCoherent", mode_name = "auto", fixtures;
  std::string guest_pat_text = "0x0407050600070106", mtrr_name = "WB";
  unsigned pat_index = 0;
  int level = 1;
  bool cr0_cd = false, json = false;
  app.add_option("--paging", paging_name, "ept, npt or shadow (with --spte)");
  app.add_option("--spte", spte_text, "KVM's second-level entry, hex (as the tracepoint prints it)");
  app.add_option("--level", level, "its level: 1 (4K), 2 (2M), 3 (1G)")->check(CLI::Range(1, 3));
  app.add_option("--host", host, "instead of --spte: a host kind (intel-chromeos, intel-upstream, intel-old, amd) "
                                 "for vmm's policy, with the entry from --fixtures");
  app.add_option("--requested", requested_name, "the slot's MemCacheType (with --host)");
  app.add_option("--noncoherent-dma", mode_name, "the policy mode (with --host): auto or off");
  app.add_option("--fixtures", fixtures, "JSON: per host kind, the entries KVM writes with and without IPAT");
  app.add_option("--guest-pat", guest_pat_text, "the guest's IA32_PAT, hex (default: Linux's)");
  app.add_option("--pat-index", pat_index, "PAT index the guest's leaf entry selects")->required()->check(CLI::Range(0u, 7u));
  app.add_option("--guest-mtrr", mtrr_name, "the guest's MTRR type for the page (default WB)");
  app.add_flag("--cr0-cd", cr0_cd, "the guest runs with CR0.CD set");
  app.add_flag("--json", json, "print JSON");
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help
  } catch (const CLI::ParseError& e) {
    return fail(std::string(e.what()) + " (see vmm-memtype --help)");  // one line, as vmm does
  }

  GuestTypeInputs guest;
  guest.regs.cr0 = cr0_cd ? (1u << 30) : 0;
  try {
    guest.pat = std::stoull(guest_pat_text, nullptr, 16);
  } catch (const std::exception&) {
    return fail("--guest-pat '" + guest_pat_text + "' is not a hex number");
  }
  const auto mtrr_type = parse_memory_type(mtrr_name);
  if (!mtrr_type || *mtrr_type == MemoryType::UCMinus) return fail("--guest-mtrr '" + mtrr_name + "' is not an MTRR type");
  MtrrState mtrr;
  mtrr.def_type = (1u << 11) | encoding_of(*mtrr_type);
  guest.mtrr = mtrr;

  nlohmann::json out;
  SecondLevelView second;
  std::uint64_t spte = 0;
  if (!host.empty()) {
    const auto facts = host_kind(host);
    if (!facts) return fail("--host '" + host + "' is not one of intel-chromeos, intel-upstream, intel-old, amd");
    const auto requested = parse_mem_cache_type(requested_name);
    const auto mode = parse_noncoherent_dma_mode(mode_name);
    if (!requested || !mode) return fail("--requested or --noncoherent-dma is not a known value");
    const MemtypePlan plan = plan_memtype(*facts, *mode, false);
    const AppliedFlags applied = slot_memtype(plan, *facts, *requested);
    out["policy"] = {{"host", host}, {"mechanism", std::string(to_string(plan.mechanism))},
                     {"applied", applied.names}, {"rule", applied.rule}};
    paging_name = facts->flavour == KvmFlavour::HardwareVmx ? "ept" : "npt";
    const bool ipat = facts->flavour == KvmFlavour::HardwareVmx && applied.guest_pat != GuestPat::Honoured;
    std::ifstream in(fixtures);
    if (!in) return fail("--fixtures '" + fixtures + "' cannot be read (--host needs the entries KVM writes)");
    const nlohmann::json table = nlohmann::json::parse(in, nullptr, false);
    const nlohmann::json entry = table.value(host, nlohmann::json());
    if (!entry.is_object()) return fail("--fixtures has no entry for " + host);
    spte_text = entry.value(ipat ? "ipat_set" : "ipat_clear", "");
    out["fixture"] = {{"label", entry.value("label", "")}, {"ipat", ipat}};
  }
  SecondLevel paging;
  if (paging_name == "ept") paging = SecondLevel::Ept;
  else if (paging_name == "npt") paging = SecondLevel::Npt;
  else if (paging_name == "shadow") paging = SecondLevel::Shadow;
  else return fail("--paging must be ept, npt or shadow (or give --host)");
  try {
    spte = std::stoull(spte_text, nullptr, 16);
  } catch (const std::exception&) {
    return fail("--spte '" + spte_text + "' is not a hex number");
  }
  const SpteDecode decoded = decode_spte(paging, spte, level, kPatLinux);
  second.source = SecondLevelView::Source::Spte;
  second.paging = paging;
  second.host_type = decoded.host_type;
  second.ipat = decoded.ipat;
  second.note = decoded.ok ? "" : decoded.error;
  MappingRun run;
  run.pat_index = pat_index;
  run.size = 4096;
  const MappingDerivation d = derive_mapping(run, guest, second);
  auto name = [](const std::optional<MemoryType>& t) { return t ? nlohmann::json(std::string(to_string(*t))) : nlohmann::json(nullptr); };
  out["guest_pat_type"] = name(d.guest_pat_type);
  out["guest_view"] = d.guest_view ? name(d.guest_view->type) : nlohmann::json(nullptr);
  out["second_level"] = {{"paging", std::string(to_string(paging))}, {"spte", spte_text}, {"decoded", decoded.ok ? decoded.describe : decoded.error}};
  out["effective"] = d.effective ? name(d.effective->type) : nlohmann::json(nullptr);
  out["rule"] = d.effective ? d.effective->rule : d.unknown;
  out["differs_from_guest_view"] = d.effective && d.guest_view && d.effective->type != d.guest_view->type;
  if (json) {
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  auto text = [](const nlohmann::json& j) { return j.is_string() ? j.get<std::string>() : std::string("unknown"); };
  if (out.contains("policy"))
    std::printf("policy     %s: %s, applied %s (%s)\n", host.c_str(), text(out["policy"]["rule"]).c_str(),
                text(out["policy"]["applied"]).c_str(), text(out["fixture"]["label"]).c_str());
  std::printf("guest      PAT index %u -> %s; guest MTRR %s; the guest believes %s\n", pat_index,
              text(out["guest_pat_type"]).c_str(), mtrr_name.c_str(), text(out["guest_view"]).c_str());
  std::printf("KVM        %s\n", out["second_level"]["decoded"].get<std::string>().c_str());
  std::printf("effective  %s  (%s)%s\n", text(out["effective"]).c_str(), out["rule"].get<std::string>().c_str(),
              out["differs_from_guest_view"].get<bool>() ? "\n           DIFFERS from what the guest believes it mapped" : "");
  return 0;
}
