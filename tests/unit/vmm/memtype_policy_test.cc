// The host probe and memtype policy against a fake KVM, one test per kind of host the
// project must handle (design.md's table).
#include <gtest/gtest.h>

#include <cerrno>
#include <map>

#include "vmm/kvm/host_probe.h"
#include "vmm/kvm/memtype_policy.h"
#include "vmm/kvm/memtype_uapi.h"

namespace vmm {
namespace {

using namespace kvm_memtype;

class FakeKvm : public KvmProbeTarget {
 public:
  std::map<long, int> caps;
  int slot_flag_errno = EINVAL;
  std::uint32_t tried_flags = 0;
  int check_extension(long capability) override {
    auto it = caps.find(capability);
    return it == caps.end() ? 0 : it->second;
  }
  int try_memslot_flags(std::uint32_t flags) override {
    tried_flags = flags;
    return slot_flag_errno;
  }
};

constexpr std::uint32_t kSelfSnoop = 1u << 27;
HostCpu intel(bool self_snoop = true) {
  HostCpu cpu;
  cpu.vendor_id = "GenuineIntel";
  cpu.leaf1_edx = self_snoop ? kSelfSnoop : 0u;
  return cpu;
}
HostCpu amd() {
  HostCpu cpu;
  cpu.vendor_id = "AuthenticAMD";
  return cpu;
}

TEST(HostProbe, ChromeOsIntelWithCap239AndFlagAccepted) {
  FakeKvm kvm;
  kvm.caps = {{kCapNonCoherentDma612, 1}};
  kvm.slot_flag_errno = 0;
  auto facts = probe_host(kvm, intel(), KvmFlavour::HardwareVmx);
  EXPECT_EQ(kvm.tried_flags, kMemNonCoherentDma) << "decided by a scratch slot, not the cap";
  EXPECT_TRUE(facts.slot_flag_works);
  EXPECT_EQ(facts.cap_239, 1);
  auto plan = plan_memtype(facts, NonCoherentDmaMode::Auto, true);
  EXPECT_EQ(plan.mechanism, NonCoherentMechanism::SlotFlag);
  auto blob = slot_memtype(plan, facts, MemCacheType::CacheNonCoherent);
  EXPECT_EQ(blob.kvm_flags, kMemNonCoherentDma);
  EXPECT_EQ(blob.names, "KVM_MEM_NON_COHERENT_DMA");
  EXPECT_EQ(blob.rule, "guest PAT honoured (slot flag)");
  auto ram = slot_memtype(plan, facts, MemCacheType::CacheCoherent);
  EXPECT_EQ(ram.kvm_flags, 0u);
  EXPECT_EQ(ram.rule, "host type wins (IPAT)");
}

TEST(HostProbe, OldChromeOsIntelWithCap236) {
  FakeKvm kvm;
  kvm.caps = {{kCapNonCoherentDmaOld, 1}};
  kvm.slot_flag_errno = 0;
  auto facts = probe_host(kvm, intel(), KvmFlavour::HardwareVmx);
  EXPECT_EQ(facts.cap_236, 1);
  EXPECT_EQ(plan_memtype(facts, NonCoherentDmaMode::SlotFlag, true).mechanism,
            NonCoherentMechanism::SlotFlag);
}

TEST(HostProbe, UpstreamIntelWithQuirkListed) {
  FakeKvm kvm;
  kvm.caps = {{kCapDisableQuirks2, 0x7ff}};
  auto facts = probe_host(kvm, intel(), KvmFlavour::HardwareVmx);
  EXPECT_FALSE(facts.slot_flag_works);
  EXPECT_TRUE(facts.ignore_guest_pat_quirk_listed());
  auto plan = plan_memtype(facts, NonCoherentDmaMode::Auto, true);
  EXPECT_EQ(plan.mechanism, NonCoherentMechanism::VmQuirkDisabled);
  EXPECT_TRUE(plan.disables_quirk());
  EXPECT_NE(plan.explanation.find("RAM too"), std::string::npos) << plan.explanation;
  EXPECT_EQ(slot_memtype(plan, facts, MemCacheType::CacheNonCoherent).rule, "guest PAT honoured (quirk off)");
  EXPECT_EQ(slot_memtype(plan, facts, MemCacheType::CacheCoherent).rule, "guest PAT honoured (quirk off)")
      << "the quirk is VM-wide";
  EXPECT_THROW(plan_memtype(facts, NonCoherentDmaMode::SlotFlag, false), MemtypePolicyError);
}

TEST(HostProbe, IntelWithoutSelfSnoopCannotDisableQuirk) {
  FakeKvm kvm;
  kvm.caps = {{kCapDisableQuirks2, 0x7ff}};
  auto facts = probe_host(kvm, intel(false), KvmFlavour::HardwareVmx);
  EXPECT_FALSE(facts.self_snoop);
  try {
    plan_memtype(facts, NonCoherentDmaMode::VmQuirk, false);
    FAIL();
  } catch (const MemtypePolicyError& e) {
    EXPECT_NE(std::string(e.what()).find("self-snoop"), std::string::npos) << e.what();
  }
  auto plan = plan_memtype(facts, NonCoherentDmaMode::Auto, false);
  EXPECT_EQ(plan.mechanism, NonCoherentMechanism::None);
  EXPECT_FALSE(plan.honoured);
  EXPECT_EQ(slot_memtype(plan, facts, MemCacheType::CacheNonCoherent).rule, "host type wins (IPAT)")
      << "the classic bug: guest WC silently becomes WB";
  EXPECT_THROW(plan_memtype(facts, NonCoherentDmaMode::Auto, true), MemtypePolicyError);
}

TEST(HostProbe, Amd) {
  FakeKvm kvm;
  kvm.caps = {{kCapDisableQuirks2, 0x1ff}};
  auto facts = probe_host(kvm, amd(), KvmFlavour::HardwareSvm);
  auto plan = plan_memtype(facts, NonCoherentDmaMode::Auto, true);
  EXPECT_EQ(plan.mechanism, NonCoherentMechanism::ArchitectureHonoursPat);
  EXPECT_EQ(slot_memtype(plan, facts, MemCacheType::CacheNonCoherent).rule, "guest PAT honoured (AMD NPT)");
  EXPECT_EQ(slot_memtype(plan, facts, MemCacheType::CacheNonCoherent).kvm_flags, 0u);
  EXPECT_THROW(plan_memtype(facts, NonCoherentDmaMode::VmQuirk, false), MemtypePolicyError);
}

TEST(HostProbe, PvmAsMeasuredOnTheDevelopmentMachines) {
  FakeKvm kvm;
  kvm.caps = {{kCapDisableQuirks2, 0x5ff}};
  auto facts = probe_host(kvm, amd(), KvmFlavour::Pvm);
  EXPECT_EQ(facts.flavour, KvmFlavour::Pvm);
  EXPECT_FALSE(facts.ignore_guest_pat_quirk_listed()) << "0x5ff lacks bit 9";
  auto plan = plan_memtype(facts, NonCoherentDmaMode::Auto, false);
  EXPECT_EQ(plan.mechanism, NonCoherentMechanism::Unknown);
  EXPECT_EQ(slot_memtype(plan, facts, MemCacheType::CacheNonCoherent).rule, "unknown (PVM)");
  EXPECT_THROW(plan_memtype(facts, NonCoherentDmaMode::Auto, true), MemtypePolicyError);
}

TEST(HostProbe, UpstreamCap236MeansPreFaultMemoryAndFlagIsRefused) {
  FakeKvm kvm;
  kvm.caps = {{kCapNonCoherentDmaOld, 1}, {kCapDisableQuirks2, 0x1ff}};  // PRE_FAULT_MEMORY
  kvm.slot_flag_errno = EINVAL;
  auto facts = probe_host(kvm, intel(), KvmFlavour::HardwareVmx);
  EXPECT_EQ(facts.cap_236, 1);
  EXPECT_FALSE(facts.slot_flag_works) << "the cap number alone must not decide";
  try {
    plan_memtype(facts, NonCoherentDmaMode::SlotFlag, false);
    FAIL();
  } catch (const MemtypePolicyError& e) {
    EXPECT_NE(std::string(e.what()).find("Invalid argument"), std::string::npos) << e.what();
  }
  EXPECT_EQ(plan_memtype(facts, NonCoherentDmaMode::Auto, false).mechanism, NonCoherentMechanism::None);
}

TEST(MemtypePolicy, OffIsHonestAndRequireContradictsIt) {
  FakeKvm kvm;
  kvm.slot_flag_errno = 0;
  auto facts = probe_host(kvm, intel(), KvmFlavour::HardwareVmx);
  auto plan = plan_memtype(facts, NonCoherentDmaMode::Off, false);
  EXPECT_FALSE(plan.honoured);
  EXPECT_EQ(slot_memtype(plan, facts, MemCacheType::CacheNonCoherent).kvm_flags, 0u);
  EXPECT_THROW(plan_memtype(facts, NonCoherentDmaMode::Off, true), MemtypePolicyError);
}

TEST(MemtypePolicy, ModeNamesRoundTrip) {
  for (auto mode : {NonCoherentDmaMode::Auto, NonCoherentDmaMode::SlotFlag, NonCoherentDmaMode::VmQuirk,
                    NonCoherentDmaMode::Off})
    EXPECT_EQ(parse_noncoherent_dma_mode(to_string(mode)), mode);
  EXPECT_EQ(parse_noncoherent_dma_mode("on"), std::nullopt);
}

}  // namespace
}  // namespace vmm
