// ResidentMemory: smaps text sorted into guest RAM, guest device memory and vmm's own, and
// the live sample of this very process (which must find a mapping it just touched).
#include "vmm/report/resident_memory.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstring>
#include <vector>

namespace vmm {
namespace {

Memslot slot_at(std::uintptr_t host, std::uint64_t size, const std::string& owner) {
  Memslot slot;
  slot.request.host_addr = reinterpret_cast<void*>(host);
  slot.request.size = size;
  slot.request.owner = owner;
  slot.request.kind = slot.request.owner.starts_with("ram-") ? SlotKind::GuestRam : SlotKind::Device;
  return slot;
}

constexpr const char* kSmaps =
    "55d0a0000000-55d0a0100000 r-xp 00000000 fd:01 1234   /usr/bin/vmm\n"
    "Size:               1024 kB\n"
    "Rss:                 800 kB\n"
    "Pss:                 800 kB\n"
    "55d0a1000000-55d0a1200000 rw-p 00000000 00:00 0      [heap]\n"
    "Rss:                 300 kB\n"
    "7f0000000000-7f0010000000 rw-p 00000000 00:00 0 \n"
    "Rss:                4096 kB\n"
    "7f0020000000-7f0020200000 rw-s 00000000 00:01 77     /memfd:gpu-blob-7 (deleted)\n"
    "Rss:                  64 kB\n"
    "7f0030000000-7f0030200000 rw-s 00000000 00:01 78     /memfd:gpu-blob-8 (deleted)\n"
    "Rss:                2048 kB\n"
    "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0      [stack]\n"
    "Rss:                  12 kB\n";

TEST(ResidentMemory, SortsEveryMappingByWhoOwnsIt) {
  const std::vector<Memslot> slots = {slot_at(0x7f0000000000, 0x10000000, "ram-low"),
                                      slot_at(0x7f0030000000, 0x200000, "gpu-blob 8")};
  const ResidentMemory m = classify_smaps(kSmaps, slots);
  EXPECT_EQ(m.guest_ram, 4096u * 1024);
  EXPECT_EQ(m.guest_device, (64u + 2048u) * 1024) << "a mapped blob slot and an unmapped blob";
  EXPECT_EQ(m.own_file, 800u * 1024);
  EXPECT_EQ(m.own_anonymous, (300u + 12u) * 1024);
  EXPECT_EQ(m.total(), (800u + 300u + 4096u + 64u + 2048u + 12u) * 1024);
}

TEST(ResidentMemory, WithoutSlotsGuestRamCountsAsVmmsOwn) {
  const ResidentMemory m = classify_smaps(kSmaps, {});
  EXPECT_EQ(m.guest_ram, 0u);
  EXPECT_EQ(m.own_anonymous, (300u + 4096u + 12u) * 1024);
}

TEST(ResidentMemory, GarbageIsIgnoredNotTrusted) {
  const ResidentMemory m = classify_smaps("zz-yy nonsense\nRss: lots kB\nRss:\n\n", {});
  EXPECT_EQ(m.total(), 0u);
}

TEST(ResidentMemory, SamplesThisProcessAndFindsTheGuestRamItTouched) {
  constexpr std::size_t kSize = 4u << 20;
  void* ram = mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(ram, MAP_FAILED);
  std::memset(ram, 1, kSize);  // every page resident
  const std::vector<Memslot> slots = {slot_at(reinterpret_cast<std::uintptr_t>(ram), kSize, "ram-low")};
  const ResidentMemoryReader reader = ResidentMemoryReader::open_self();
  std::string error;
  const auto sample = reader.sample(slots, &error);
  ASSERT_TRUE(sample.has_value()) << error;
  EXPECT_GE(sample->guest_ram, kSize);
  EXPECT_GT(sample->own_file, 0u) << "this test binary itself is resident";
  munmap(ram, kSize);
}

TEST(ResidentMemory, AReaderThatCouldNotOpenSaysSo) {
  std::string error;
  EXPECT_FALSE(ResidentMemoryReader().sample({}, &error).has_value());
  EXPECT_NE(error.find("/proc/self/smaps"), std::string::npos);
}

}  // namespace
}  // namespace vmm
