#include "vmm/report/host_report.h"

#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>

#include "vmm/kvm/host_environment.h"
#include "vmm/kvm/host_probe.h"
#include "vmm/kvm/kvm_probe_target.h"
#include "vmm/kvm/kvm_system.h"
#include "vmm/kvm/kvm_vm.h"
#include "vmm/kvm/memtype_policy.h"

namespace vmm {

namespace {

constexpr NonCoherentDmaMode kModes[] = {NonCoherentDmaMode::Auto, NonCoherentDmaMode::SlotFlag,
                                         NonCoherentDmaMode::VmQuirk, NonCoherentDmaMode::Off};

nlohmann::json policy_json(const HostFacts& facts, NonCoherentDmaMode mode) {
  nlohmann::json j = {{"mode", std::string(to_string(mode))}};
  try {
    const MemtypePlan plan = plan_memtype(facts, mode, false);
    j["possible"] = true;
    j["mechanism"] = std::string(to_string(plan.mechanism));
    j["honoured"] = plan.honoured;
    j["explanation"] = plan.explanation;
    j["ram_slot_rule"] = slot_memtype(plan, facts, MemCacheType::CacheCoherent).rule;
    j["noncoherent_slot_rule"] = slot_memtype(plan, facts, MemCacheType::CacheNonCoherent).rule;
    j["noncoherent_slot_flags"] = slot_memtype(plan, facts, MemCacheType::CacheNonCoherent).names;
  } catch (const MemtypePolicyError& e) {
    j["possible"] = false;
    j["error"] = e.what();
  }
  return j;
}

}  // namespace

nlohmann::json host_report_json(const HostFacts& facts) {
  nlohmann::json policies = nlohmann::json::array();
  for (auto mode : kModes) policies.push_back(policy_json(facts, mode));
  return {{"host", facts}, {"policies", policies}};
}

std::string host_report_text(const HostFacts& f) {
  std::ostringstream out;
  out << "host\n"
      << "  cpu vendor            " << f.vendor_id << " (" << to_string(f.vendor) << ")\n"
      << "  kvm flavour           " << to_string(f.flavour) << "\n"
      << "  second level          " << memtype::to_string(second_level_of(f))
      << (second_level_of(f) == memtype::SecondLevel::Shadow ? " (shadow paging: KVM's entries map guest-virtual pages)"
                                                             : " (KVM's entries map guest-physical pages)")
      << "\n"
      << "  cpu self-snoop        " << (f.self_snoop ? "yes" : "no") << "\n"
      << (f.cpu_emulated ? "  measurements          none possible: the CPU is emulated (" + f.hypervisor +
                               "); the rules below hold, but a guest cannot measure them\n"
                         : std::string())
      << "  slot flag 0x8         "
      << (f.slot_flag_works ? std::string("accepted (KVM_MEM_NON_COHERENT_DMA works)")
                            : std::string("refused: ") + std::strerror(f.slot_flag_errno))
      << "  [caps 236=" << f.cap_236 << ", 239=" << f.cap_239 << ", hints only]\n"
      << "  disable_quirks2       0x" << std::hex << f.disableable_quirks << std::dec
      << " (IGNORE_GUEST_PAT bit 9 " << (f.ignore_guest_pat_quirk_listed() ? "listed" : "not listed")
      << ")\n"
      << "policies (--noncoherent-dma)\n";
  for (auto mode : kModes) {
    const auto j = policy_json(f, mode);
    out << "  " << j["mode"].get<std::string>() << ": ";
    if (!j["possible"].get<bool>()) {
      out << "start-up error: " << j["error"].get<std::string>() << "\n";
      continue;
    }
    out << j["explanation"].get<std::string>() << "\n"
        << "      RAM (CacheCoherent):        " << j["ram_slot_rule"].get<std::string>() << "\n"
        << "      blobs (CacheNonCoherent):   " << j["noncoherent_slot_rule"].get<std::string>()
        << "  [flags: " << j["noncoherent_slot_flags"].get<std::string>() << "]\n";
  }
  return out.str();
}

int run_probe_host(bool json) {
  const HostEnvironment env = read_host_environment(read_host_cpu());
  if (const std::string missing = missing_kvm_message(env); !missing.empty()) {
    // Still say what was found: that is what a user needs to decide where to run vmm.
    if (json)
      std::printf("%s\n", nlohmann::json{{"machine", env}, {"error", missing}}.dump(2).c_str());
    else
      std::fputs(host_environment_text(env).c_str(), stdout);
    std::fprintf(stderr, "vmm: error: %s\n", missing.c_str());
    return 1;
  }
  KvmSystem kvm = KvmSystem::open();
  KvmVm vm = kvm.create_vm();
  KvmVmProbeTarget target(vm);
  const HostFacts facts = probe_host(target, env.cpu, kvm_flavour(env), kvm_uses_tdp(env));
  if (json) {
    nlohmann::json j = host_report_json(facts);
    j["machine"] = env;
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::fputs((host_environment_text(env) + host_report_text(facts)).c_str(), stdout);
  }
  return 0;
}

}  // namespace vmm
