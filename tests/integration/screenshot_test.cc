// --gpu-screenshot: after the tiny guest put a 64x64 resource on the scanout (gpu.2d), vmm
// writes it as a PNG a person can open; without a scanout it says why instead.
#include <gtest/gtest.h>
#include <png.h>

#include <cstdint>
#include <algorithm>
#include <string>

#include "tests/integration/guest_boot.h"
#include "tests/integration/test_env.h"

namespace vmm::test {
namespace {

class ScreenshotBoot : public TinyGuestBoot {};

std::uint32_t be32(const std::vector<std::uint8_t>& b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | b[at + 3];
}

TEST_F(ScreenshotBoot, ScanoutIsWrittenAsPng) {
  const std::uint8_t nothing[] = {0};
  TempFile png("scanout.png", std::span<const std::uint8_t>(nothing, 0));
  const Boot b = boot({"--kernel", kTinyGuestImage, "--gpu", "--gpu-hostmem", "16M",
                       "--gpu-screenshot", png.path(), "--cmdline",
                       guest_cmdline({"vmmtest.gpu=1"})});
  ASSERT_EQ(b.run.exit_code, 0) << b.run.describe();
  const auto bytes = read_file(png.path());
  ASSERT_GE(bytes.size(), 33u);
  const std::uint8_t signature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  EXPECT_TRUE(std::equal(std::begin(signature), std::end(signature), bytes.begin()));
  EXPECT_EQ(std::string(bytes.begin() + 12, bytes.begin() + 16), "IHDR");
  EXPECT_EQ(be32(bytes, 16), 64u) << "width of the guest's scanout resource";
  EXPECT_EQ(be32(bytes, 20), 64u) << "height";

  // The guest's test card (tests/guest/check_gpu.c): red grows to the right, green
  // downwards, blue is 0x60, the diagonal is white. Checking pixels proves the B8G8R8X8 ->
  // RGB conversion and the row order, not just that a file appeared.
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  ASSERT_TRUE(png_image_begin_read_from_file(&image, png.path().c_str())) << image.message;
  image.format = PNG_FORMAT_RGB;
  std::vector<std::uint8_t> rgb(PNG_IMAGE_SIZE(image));
  ASSERT_TRUE(png_image_finish_read(&image, nullptr, rgb.data(), 0, nullptr)) << image.message;
  auto pixel = [&](int x, int y) {
    const std::uint8_t* p = &rgb[(y * 64 + x) * 3];
    return std::vector<int>{p[0], p[1], p[2]};
  };
  EXPECT_EQ(pixel(63, 0), (std::vector<int>{255, 0, 0x60})) << "top right: red";
  EXPECT_EQ(pixel(0, 63), (std::vector<int>{0, 255, 0x60})) << "bottom left: green";
  EXPECT_EQ(pixel(20, 20), (std::vector<int>{255, 255, 255})) << "diagonal: white";
}

TEST_F(ScreenshotBoot, NoScanoutIsReportedNotFaked) {
  const std::uint8_t nothing[] = {0};
  TempFile png("scanout.png", std::span<const std::uint8_t>(nothing, 0));
  const Boot b = boot({"--kernel", kTinyGuestImage, "--gpu", "--gpu-screenshot", png.path()});
  ASSERT_EQ(b.run.exit_code, 0) << b.run.describe();
  EXPECT_NE(b.run.err.find("no scanout is set"), std::string::npos) << b.run.describe();
  EXPECT_TRUE(read_file(png.path()).empty());
}

}  // namespace
}  // namespace vmm::test
