// HostFacts: what this host can do about guest memory types, found out once at VM creation
// and kept as one value, so the policy, the memslot table and every report agree.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "base/enum_names.h"
#include "vmm/memtype/spte.h"

namespace vmm {

enum class CpuVendor { Intel, Amd, Other };
enum class KvmFlavour { HardwareVmx, HardwareSvm, Pvm, Unknown };
inline constexpr EnumNames<CpuVendor, 3> kCpuVendorNames({{
    {CpuVendor::Intel, "intel"}, {CpuVendor::Amd, "amd"}, {CpuVendor::Other, "other"},
}});
inline constexpr EnumNames<KvmFlavour, 4> kKvmFlavourNames({{
    {KvmFlavour::HardwareVmx, "vmx"}, {KvmFlavour::HardwareSvm, "svm"}, {KvmFlavour::Pvm, "pvm"},
    {KvmFlavour::Unknown, "unknown"},
}});

std::string_view to_string(CpuVendor vendor);
std::string_view to_string(KvmFlavour flavour);

struct HostFacts {
  CpuVendor vendor = CpuVendor::Other;
  std::string vendor_id;  // the raw CPUID string, e.g. "GenuineIntel"
  KvmFlavour flavour = KvmFlavour::Unknown;
  bool self_snoop = false;  // CPUID.01H:EDX[27]
  std::string hypervisor;    // what this kernel runs under ("QEMU TCG", "KVMKVMKVM"), or empty
  // The CPU is emulated (QEMU TCG): rules still hold, but no cache is modelled, so nothing
  // measured in a guest here says anything about memory types.
  bool cpu_emulated = false;
  // KVM's second-level translation: EPT (vmx), NPT (svm) when its module uses them, else
  // shadow paging (PVM, or ept/npt switched off). Decides how a KVM entry is decoded.
  bool tdp = false;

  // The downstream per-slot flag, decided by installing a scratch slot with it.
  bool slot_flag_works = false;
  int slot_flag_errno = 0;        // why it was refused (EINVAL upstream)
  int cap_236 = 0, cap_239 = 0;   // KVM_CHECK_EXTENSION answers: hints only

  // KVM_CAP_DISABLE_QUIRKS2: the quirks this KVM lets userspace disable.
  std::uint64_t disableable_quirks = 0;
  bool ignore_guest_pat_quirk_listed() const;
};

void to_json(nlohmann::json& j, const HostFacts& facts);

// EPT on vmx and NPT on svm when KVM uses them; shadow paging otherwise.
memtype::SecondLevel second_level_of(const HostFacts& facts);

}  // namespace vmm
