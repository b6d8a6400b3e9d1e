// PNG output: png_writer round trips through libpng's reader, and screenshots of the scanout
// come out with the right size, channel order and alpha.
#include <gtest/gtest.h>
#include <png.h>

#include <filesystem>

#include "devices/gpu/png_writer.h"
#include "tests/unit/gpu/png_reader.h"
#include "tests/unit/gpu/gpu_fixture.h"

namespace vmm::test {
namespace {

using namespace gpu;

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "/vmm_gpu_" + std::to_string(getpid()) + "_" + name;
}

TEST(PngWriterTest, RgbaRoundTrip) {
  const std::vector<std::uint8_t> rgba{255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0,
                                       1, 2, 3, 4, 250, 251, 252, 253, 9, 8, 7, 6};
  const auto path = temp_path("rgba.png");
  ASSERT_EQ(write_png(path, 3, 2, rgba, true), std::nullopt);
  auto file = read_png(path);
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->width, 3u);
  EXPECT_EQ(file->height, 2u);
  EXPECT_TRUE(file->has_alpha);
  EXPECT_EQ(file->rgba, rgba);
  std::filesystem::remove(path);
}

TEST(PngWriterTest, RgbDropsAlpha) {
  const std::vector<std::uint8_t> rgba{10, 20, 30, 0, 40, 50, 60, 7};
  const auto path = temp_path("rgb.png");
  ASSERT_EQ(write_png(path, 2, 1, rgba, false), std::nullopt);
  auto file = read_png(path);
  ASSERT_TRUE(file.has_value());
  EXPECT_FALSE(file->has_alpha);
  EXPECT_EQ(file->rgba, (std::vector<std::uint8_t>{10, 20, 30, 255, 40, 50, 60, 255}));
  std::filesystem::remove(path);
}

TEST(PngWriterTest, ErrorsNameTheFile) {
  const std::vector<std::uint8_t> rgba(16);
  auto error = write_png("/nonexistent-dir/x.png", 2, 2, rgba, true);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("/nonexistent-dir/x.png"), std::string::npos) << *error;
  EXPECT_TRUE(write_png(temp_path("empty.png"), 0, 2, rgba, true).has_value());
  EXPECT_TRUE(write_png(temp_path("short.png"), 4, 2, rgba, true).has_value());
  EXPECT_FALSE(std::filesystem::exists(temp_path("short.png")));
}

class ScreenshotTest : public GpuTest {
 protected:
  // Creates resource 1 (width x height, `format`), backs it with `pixels` and shows `rect`.
  void show(std::uint32_t width, std::uint32_t height, std::uint32_t format,
            const std::vector<std::uint8_t>& pixels, Rect rect) {
    ASSERT_EQ(create_2d(1, width, height, format), resp::kOkNodata);
    poke(kBackingBase, pixels);
    ASSERT_EQ(attach_backing(1, {{kBackingBase, static_cast<std::uint32_t>(pixels.size()), 0}}),
              resp::kOkNodata);
    ASSERT_EQ(transfer(1, {0, 0, width, height}, 0), resp::kOkNodata);
    ASSERT_EQ(set_scanout(1, rect), resp::kOkNodata);
  }

  // Saves the scanout as `name` and reads it back (the file is removed again); nullopt,
  // with a failure, when the device would not write it or libpng cannot read it.
  std::optional<PngFile> screenshot(const std::string& name) {
    const auto path = temp_path(name);
    std::string error;
    if (!gpu->write_scanout_png(path, &error)) {
      ADD_FAILURE() << "write_scanout_png: " << error;
      return std::nullopt;
    }
    auto file = read_png(path);
    std::filesystem::remove(path);
    if (!file) ADD_FAILURE() << "libpng cannot read " << path;
    return file;
  }
};

TEST_F(ScreenshotTest, NoScanoutIsAClearError) {
  std::string error;
  const auto path = temp_path("none.png");
  EXPECT_FALSE(gpu->write_scanout_png(path, &error));
  EXPECT_NE(error.find("no scanout"), std::string::npos) << error;
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(gpu->write_scanout_png(path));  // without an error pointer too
}

TEST_F(ScreenshotTest, BgrxBecomesRgb) {
  // Pixels in memory order B, G, R, X: red, green, blue, white.
  show(2, 2, format::kB8G8R8X8,
       {0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 0, 255, 255, 255, 0}, {0, 0, 2, 2});
  auto file = screenshot("bgrx.png");
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->width, 2u);
  EXPECT_EQ(file->height, 2u);
  EXPECT_FALSE(file->has_alpha);
  EXPECT_EQ(file->rgba, (std::vector<std::uint8_t>{255, 0, 0, 255, 0, 255, 0, 255,  //
                                                   0, 0, 255, 255, 255, 255, 255, 255}));
}

TEST_F(ScreenshotTest, AlphaFormatsKeepAlphaAndTheRectangleIsCut) {
  // 3x2 R8G8B8A8; the scanout shows the 2x1 rectangle at (1,1).
  std::vector<std::uint8_t> pixels(3 * 2 * 4);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i);
  show(3, 2, format::kR8G8B8A8, pixels, {1, 1, 2, 1});
  auto file = screenshot("rgba_cut.png");
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->width, 2u);
  EXPECT_EQ(file->height, 1u);
  EXPECT_TRUE(file->has_alpha);
  EXPECT_EQ(file->rgba, (std::vector<std::uint8_t>{16, 17, 18, 19, 20, 21, 22, 23}));
}

TEST_F(ScreenshotTest, ArgbChannelOrder) {
  // A8R8G8B8 in memory: A, R, G, B.
  show(1, 1, format::kA8R8G8B8, {200, 10, 20, 30}, {0, 0, 1, 1});
  auto file = screenshot("argb.png");
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->rgba, (std::vector<std::uint8_t>{10, 20, 30, 200}));
}

}  // namespace
}  // namespace vmm::test
