// The tiny guest image is a well-formed bzImage (what mkbzimage promises), checked without
// KVM so a packaging mistake shows here rather than as a failed boot.
#include <gtest/gtest.h>

#include <asm/bootparam.h>

#include <cstring>
#include <vector>

#include "tests/guest/image_format.h"
#include "tests/integration/test_env.h"
#include "tests/unit/boot/boot_test_util.h"

namespace vmm::test {
namespace {

using ::vmm::testing::packed_value;

TEST(TinyGuestImage, HasA64BitLinuxSetupHeader) {
  const std::vector<std::uint8_t> image = read_file(kTinyGuestImage);
  ASSERT_GE(image.size(), 0x1f1 + sizeof(setup_header));
  setup_header hdr;
  std::memcpy(&hdr, image.data() + 0x1f1, sizeof hdr);

  EXPECT_EQ(packed_value(hdr.boot_flag), 0xaa55);
  EXPECT_EQ(packed_value(hdr.header), 0x53726448u);  // "HdrS"
  EXPECT_GE(packed_value(hdr.version), 0x020c);
  EXPECT_EQ(packed_value(hdr.setup_sects), 4);
  EXPECT_TRUE(hdr.loadflags & LOADED_HIGH);
  EXPECT_TRUE(hdr.xloadflags & XLF_KERNEL_64);
  EXPECT_EQ(packed_value(hdr.relocatable_kernel), 0);
  EXPECT_EQ(packed_value(hdr.pref_address), TINY_IMAGE_LOAD_ADDR);
  EXPECT_EQ(packed_value(hdr.cmdline_size), static_cast<std::uint32_t>(TINY_IMAGE_CMDLINE_SIZE));

  const std::size_t setup_size = (hdr.setup_sects + 1) * 512u;
  ASSERT_GT(image.size(), setup_size + TINY_IMAGE_ENTRY_OFFSET);
  EXPECT_EQ(std::size_t{hdr.syssize} * 16, image.size() - setup_size);
  EXPECT_EQ(packed_value(hdr.init_size) % 4096, 0u);
  EXPECT_GE(packed_value(hdr.init_size), image.size() - setup_size);

  // The payload is the tiny guest's flat binary, with its entry at +0x200.
  tiny_image_head head;
  std::memcpy(&head, image.data() + setup_size, sizeof head);
  EXPECT_EQ(std::memcmp(head.magic, TINY_IMAGE_MAGIC, TINY_IMAGE_MAGIC_LEN), 0);
  EXPECT_EQ(head.entry, head.load_addr + TINY_IMAGE_ENTRY_OFFSET);
  EXPECT_LE(head.image_end - head.load_addr, packed_value(hdr.init_size));
}

}  // namespace
}  // namespace vmm::test
