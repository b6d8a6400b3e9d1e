#include "base/mapping.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "base/page.h"
#include "base/unique_fd.h"

namespace vmm {
namespace {

TEST(Mapping, AnonymousIsZeroedAndWritable) {
  Mapping m = Mapping::anonymous(2 * kPageSize, "a test range");
  ASSERT_NE(m.data(), nullptr);
  EXPECT_EQ(m.size(), 2 * kPageSize);
  EXPECT_EQ(m.data()[kPageSize + 7], 0);
  m.data()[kPageSize + 7] = 42;
  EXPECT_EQ(m.data()[kPageSize + 7], 42);
}

TEST(Mapping, FailureNamesSizeAndPurpose) {
  try {
    (void)Mapping::anonymous(~std::size_t{0} & ~(kPageSize - 1), "an impossible range");
    FAIL() << "mapping all of the address space succeeded";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("bytes of an impossible range"), std::string::npos) << e.what();
  }
}

TEST(Mapping, MoveLeavesTheSourceEmptyAndUnmapsOnce) {
  Mapping a = Mapping::anonymous(kPageSize, "a");
  std::uint8_t* data = a.data();
  Mapping b = std::move(a);
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(b.data(), data);
  a = std::move(b);
  EXPECT_EQ(a.data(), data);
  a = Mapping();
  EXPECT_EQ(a.data(), nullptr);
}

// The fixed blob mapping: a file's pages replace part of the range, zeros put back.
TEST(Mapping, ReplacesAPageRangeWithAFileAndBackWithZeros) {
  UniqueFd fd(memfd_create("mapping-test", MFD_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  ASSERT_EQ(ftruncate(fd.get(), kPageSize), 0);
  Mapping file = Mapping::shared(fd.get(), kPageSize, "the memfd");
  file.data()[5] = 0x5a;

  Mapping region = Mapping::anonymous(4 * kPageSize, "a region");
  ASSERT_EQ(region.replace_with_file(2 * kPageSize, kPageSize, fd.get()), 0);
  EXPECT_EQ(region.data()[2 * kPageSize + 5], 0x5a) << "the file's page is visible in the region";
  region.data()[2 * kPageSize + 6] = 0x66;
  EXPECT_EQ(file.data()[6], 0x66) << "and shared both ways";
  ASSERT_EQ(region.replace_with_zeros(2 * kPageSize, kPageSize), 0);
  EXPECT_EQ(region.data()[2 * kPageSize + 5], 0);
  EXPECT_EQ(file.data()[5], 0x5a) << "the file keeps its bytes";
}

TEST(Mapping, ReplaceRefusesRangesNotAlignedOrOutside) {
  Mapping region = Mapping::anonymous(2 * kPageSize, "a region");
  EXPECT_EQ(region.replace_with_zeros(1, kPageSize), EINVAL);
  EXPECT_EQ(region.replace_with_zeros(0, kPageSize + 1), EINVAL);
  EXPECT_EQ(region.replace_with_zeros(kPageSize, 2 * kPageSize), EINVAL);
  EXPECT_EQ(region.replace_with_zeros(0, 0), EINVAL);
  EXPECT_EQ(Mapping().replace_with_zeros(0, kPageSize), EINVAL);
}

}  // namespace
}  // namespace vmm
