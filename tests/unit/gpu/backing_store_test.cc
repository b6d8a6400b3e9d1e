// BackingStore: guest pages as one stream, checked against guest RAM.
#include "devices/gpu/backing_store.h"

#include <gtest/gtest.h>

#include <numeric>

namespace vmm::gpu {
namespace {

class BackingStoreTest : public ::testing::Test {
 protected:
  GuestMemory mem = GuestMemory::from_ranges({{0, 1 << 20, "a"}, {4 << 20, 1 << 20, "b"}});
};

TEST_F(BackingStoreTest, ReadsAcrossEntriesInOrder) {
  std::vector<std::uint8_t> a(100), b(50);
  std::iota(a.begin(), a.end(), 0);
  std::iota(b.begin(), b.end(), 100);
  ASSERT_TRUE(mem.write((4 << 20) + 7, a));
  ASSERT_TRUE(mem.write(0x3000, b));
  std::string error;
  const MemEntry entries[] = {{(4 << 20) + 7, 100, 0}, {0x9000, 0, 0}, {0x3000, 50, 0}};
  auto store = BackingStore::build(mem, entries, &error);
  ASSERT_TRUE(store.has_value()) << error;
  EXPECT_EQ(store->size(), 150u);
  EXPECT_EQ(store->entry_count(), 2u);  // the empty entry is dropped

  std::vector<std::uint8_t> out(20);
  ASSERT_TRUE(store->read(mem, 90, out));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(out[i], 90 + i);
  std::vector<std::uint8_t> all(150);
  ASSERT_TRUE(store->read(mem, 0, all));
  EXPECT_EQ(all[149], 149);
}

TEST_F(BackingStoreTest, ReadsPastTheEndFail) {
  const MemEntry entries[] = {{0x1000, 64, 0}};
  auto store = BackingStore::build(mem, entries, nullptr);
  ASSERT_TRUE(store.has_value());
  std::vector<std::uint8_t> out(8);
  EXPECT_TRUE(store->read(mem, 56, out));
  EXPECT_FALSE(store->read(mem, 57, out));
  EXPECT_FALSE(store->read(mem, ~0ull - 2, out));
  EXPECT_TRUE(store->read(mem, 64, std::span<std::uint8_t>()));
}

TEST_F(BackingStoreTest, EntriesOutsideRamAreRefusedWithTheirIndex) {
  std::string error;
  const MemEntry entries[] = {{0x1000, 64, 0}, {(1 << 20) - 8, 16, 0}};  // crosses into the gap
  EXPECT_FALSE(BackingStore::build(mem, entries, &error).has_value());
  EXPECT_NE(error.find("entry 1"), std::string::npos) << error;
  const MemEntry wrapping[] = {{~0ull - 4, 64, 0}};
  EXPECT_FALSE(BackingStore::build(mem, wrapping, &error).has_value());
}

}  // namespace
}  // namespace vmm::gpu
