// Checks of vmm's derived memory types against references the tests work out themselves,
// never from vmm's code: the guest's own IA32_PAT and PAT indexes (as the tiny guest prints
// them), the KVM this test runs on (from /proc/cpuinfo and the KVM module's parameters), and
// the one combination rule that KVM on AMD gives (APM 15.25.8: NPT's host WB leaves the guest
// type; over host RAM's WB MTRR, SDM Table 11-7 turns UC- into UC).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vmm::test {

// "WB", "WC", "UC-", "UC", "WT", "WP" for the entry `index` of an IA32_PAT value; nullopt for
// a reserved encoding.
std::optional<std::string> pat_entry_name(std::uint64_t pat, unsigned index);

// What KVM's nested paging with its host WB gives a guest type over host RAM.
std::string npt_effective(const std::string& guest_type);

// The second-level paging of the KVM this test runs on: "npt", "ept", or "other" (PVM's
// shadow paging, or ept/npt off), read from /proc/cpuinfo and /sys/module.
std::string kvm_paging_here();

// Every probed blob mapping of a --report document (guest_probe.mappings, not the baseline)
// must carry a derivation whose guest type is IA32_PAT[pat_index] (`guest_pat`, what the
// guest wrote), the type the guest asked for (pat=), and, on NPT, an effective type that
// npt_effective gives; `agrees` must not be false. Returns what is wrong, one line each.
std::vector<std::string> check_probe_derivations(const nlohmann::json& report, std::uint64_t guest_pat,
                                                 const std::string& paging);

}  // namespace vmm::test
