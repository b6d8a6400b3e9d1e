#include "vmm/kvm/guest_cpuid.h"

#include <gtest/gtest.h>

namespace vmm {
namespace {

kvm_cpuid_entry2 leaf(std::uint32_t function, std::uint32_t ebx = 0, std::uint32_t ecx = 0,
                      std::uint32_t edx = 0) {
  kvm_cpuid_entry2 e{};
  e.function = function;
  e.ebx = ebx;
  e.ecx = ecx;
  e.edx = edx;
  return e;
}

TEST(GuestCpuid, SetsApicIdCountAndHypervisorBit) {
  auto out = guest_cpuid({leaf(0x1, 0xff00abcd, 0x1, 0), leaf(0xb, 0, 0, 77), leaf(0x7, 5)}, 3, 4);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].ebx >> 24, 3u) << "initial APIC id";
  EXPECT_EQ((out[0].ebx >> 16) & 0xff, 4u) << "logical CPUs";
  EXPECT_EQ(out[0].ebx & 0xffff, 0xabcdu) << "other fields kept";
  EXPECT_TRUE(out[0].ecx & (1u << 31));
  EXPECT_TRUE(out[0].ecx & 1u);
  EXPECT_TRUE(out[0].edx & (1u << 28));
  EXPECT_EQ(out[1].edx, 3u) << "x2APIC id";
  EXPECT_EQ(out[2].ebx, 5u) << "unrelated leaves untouched";
}

TEST(GuestCpuid, SingleCpuDoesNotClaimHyperthreading) {
  auto out = guest_cpuid({leaf(0x1)}, 0, 1);
  EXPECT_EQ(out[0].ebx >> 24, 0u);
  EXPECT_FALSE(out[0].edx & (1u << 28));
}


TEST(GuestCpuid, TscDeadlineTimerOnlyWhenKvmEmulatesIt) {
  auto without = guest_cpuid({leaf(0x1, 0, 0x1, 0)}, 0, 1);
  EXPECT_FALSE(without[0].ecx & kCpuidTscDeadlineBit) << "KVM never lists it; not asked for";
  auto with = guest_cpuid({leaf(0x1, 0, 0x1, 0), leaf(0x7, 5)}, 0, 1, {.tsc_deadline_timer = true});
  EXPECT_TRUE(with[0].ecx & kCpuidTscDeadlineBit);
  EXPECT_TRUE(with[0].ecx & 1u) << "the supported bits kept";
  EXPECT_TRUE(with[0].ecx & (1u << 31)) << "hypervisor bit kept";
  EXPECT_EQ(with[1].ecx, 0u) << "only leaf 1 carries it";
}

}  // namespace
}  // namespace vmm
