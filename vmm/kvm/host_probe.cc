#include "vmm/kvm/host_probe.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "vmm/kvm/memtype_uapi.h"

namespace vmm {

std::string_view to_string(CpuVendor vendor) { return kCpuVendorNames.name(vendor); }
std::string_view to_string(KvmFlavour flavour) { return kKvmFlavourNames.name(flavour); }

bool HostFacts::ignore_guest_pat_quirk_listed() const {
  return (disableable_quirks & kvm_memtype::kQuirkIgnoreGuestPat) != 0;
}

void to_json(nlohmann::json& j, const HostFacts& f) {
  char quirks[24];
  std::snprintf(quirks, sizeof quirks, "0x%llx", static_cast<unsigned long long>(f.disableable_quirks));
  j = {
      {"cpu_vendor", std::string(to_string(f.vendor))},
      {"cpu_vendor_id", f.vendor_id},
      {"kvm_flavour", std::string(to_string(f.flavour))},
      {"cpu_self_snoop", f.self_snoop},
      {"hypervisor", f.hypervisor},
      {"cpu_emulated", f.cpu_emulated},
      {"second_level", std::string(memtype::to_string(second_level_of(f)))},
      {"slot_flag_non_coherent_dma", {{"works", f.slot_flag_works},
                                       {"error", f.slot_flag_works ? "" : std::strerror(f.slot_flag_errno)},
                                       {"cap_236", f.cap_236},
                                       {"cap_239", f.cap_239}}},
      {"disable_quirks2", quirks},
      {"quirk_ignore_guest_pat_listed", f.ignore_guest_pat_quirk_listed()},
  };
}

memtype::SecondLevel second_level_of(const HostFacts& facts) {
  if (facts.tdp && facts.flavour == KvmFlavour::HardwareVmx) return memtype::SecondLevel::Ept;
  if (facts.tdp && facts.flavour == KvmFlavour::HardwareSvm) return memtype::SecondLevel::Npt;
  return memtype::SecondLevel::Shadow;
}

HostFacts probe_host(KvmProbeTarget& kvm, const HostCpu& cpu, KvmFlavour flavour, bool tdp) {
  HostFacts facts;
  facts.tdp = tdp;
  facts.vendor_id = cpu.vendor_id;
  facts.vendor = cpu.vendor_id == "GenuineIntel"   ? CpuVendor::Intel
                 : cpu.vendor_id == "AuthenticAMD" ? CpuVendor::Amd
                                                   : CpuVendor::Other;
  facts.flavour = flavour;
  facts.self_snoop = cpu.self_snoop();
  facts.hypervisor = cpu.under_hypervisor() ? cpu.hypervisor_name() : "";
  facts.cpu_emulated = cpu.emulated();
  facts.cap_236 = kvm.check_extension(kvm_memtype::kCapNonCoherentDmaOld);
  facts.cap_239 = kvm.check_extension(kvm_memtype::kCapNonCoherentDma612);
  // The capability numbers cannot decide it (upstream reuses them), so ask KVM directly.
  facts.slot_flag_errno = kvm.try_memslot_flags(kvm_memtype::kMemNonCoherentDma);
  facts.slot_flag_works = facts.slot_flag_errno == 0;
  const int quirks = kvm.check_extension(kvm_memtype::kCapDisableQuirks2);
  facts.disableable_quirks = quirks > 0 ? static_cast<std::uint64_t>(quirks) : 0;
  return facts;
}

}  // namespace vmm
