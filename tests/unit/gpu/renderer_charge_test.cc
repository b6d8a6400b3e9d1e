// renderer_charge.h and renderer_memory_guard.h: the charge a request is given before the
// renderer sees it, the virgl stream scan, and the process-memory watch.
#include <gtest/gtest.h>

#include <limits>
#include <variant>

#include "devices/gpu/renderer_charge.h"
#include "devices/gpu/renderer_memory_guard.h"

namespace vmm::gpu {
namespace {

constexpr std::uint32_t kPipeBuffer = 0, kTexture2d = 2;
constexpr std::uint32_t cmd0(std::uint32_t cmd, std::uint32_t len) { return cmd | (len << 16); }

std::vector<std::uint32_t> pipe_resource(std::uint32_t target, std::uint32_t width, std::uint32_t height,
                                         std::uint32_t blob_id) {
  return {cmd0(48, 11), target, 64, 0, width, height, 1, 1, 0, 0, 0, blob_id};
}

TEST(RendererCharge, BuffersAreTheirWidthTexturesSixteenBytesATexel) {
  EXPECT_EQ(renderer_resource_bytes({kPipeBuffer, 64 << 20, 1, 1, 1, 0, 0}), 64u << 20);
  EXPECT_EQ(renderer_resource_bytes({kTexture2d, 256, 256, 1, 1, 0, 0}), 256u * 256 * 16);
  EXPECT_EQ(renderer_resource_bytes({kTexture2d, 256, 256, 1, 6, 8, 4}), 256ull * 256 * 6 * 4 * 16 * 2);
  EXPECT_EQ(renderer_resource_bytes({kTexture2d, 16, 0, 0, 0, 0, 0}), 16u * 16) << "zero counts as one";
}

TEST(RendererCharge, FiveGuestWordsSaturateInsteadOfWrapping) {
  // 2^14 x 2^14 x 2^11 x 2^25 = 2^64: multiplied in 64 bits it wraps to 0.
  const ResourceShape wraps{kTexture2d, 1u << 14, 1u << 14, 1u << 11, 1u << 25, 0, 0};
  EXPECT_EQ(renderer_resource_bytes(wraps), std::numeric_limits<std::uint64_t>::max());
  const ResourceShape wraps_at_the_end{kTexture2d, 1u << 30, 1u << 30, 1u << 2, 1, 1, 1};  // x16 x2
  EXPECT_EQ(renderer_resource_bytes(wraps_at_the_end), std::numeric_limits<std::uint64_t>::max());
}

TEST(VirglStreamScan, FindsEveryResourceCreateAndSumsIt) {
  std::vector<std::uint32_t> words = pipe_resource(kPipeBuffer, 4096, 1, 7);
  words.push_back(cmd0(0, 0));                // NOP
  words.push_back(cmd0(1, 2));                // CREATE_OBJECT with two dwords
  words.push_back(5);
  words.push_back(6);
  auto more = pipe_resource(kTexture2d, 8, 8, 0);
  words.insert(words.end(), more.begin(), more.end());
  auto scanned = scan_virgl_stream(words);
  ASSERT_TRUE(std::holds_alternative<VirglStreamCharge>(scanned)) << std::get<std::string>(scanned);
  const auto& charge = std::get<VirglStreamCharge>(scanned);
  ASSERT_EQ(charge.resources.size(), 2u);
  EXPECT_EQ(charge.resources[0].blob_id, 7u);
  EXPECT_EQ(charge.resources[0].bytes, 4096u);
  EXPECT_EQ(charge.resources[1].bytes, 8u * 8 * 16);
  EXPECT_EQ(charge.bytes, 4096u + 8 * 8 * 16);
  EXPECT_EQ(charge.object_creates, 1u);
}

TEST(VirglStreamScan, RefusesWhatVirglrendererWouldHalfRun) {
  auto truncated = pipe_resource(kPipeBuffer, 4096, 1, 1);
  truncated.pop_back();
  EXPECT_TRUE(std::holds_alternative<std::string>(scan_virgl_stream(truncated)));
  std::vector<std::uint32_t> short_create = {cmd0(48, 2), 0, 0};
  EXPECT_TRUE(std::holds_alternative<std::string>(scan_virgl_stream(short_create)));
  std::vector<std::uint32_t> many;
  for (std::uint32_t i = 0; i <= kMaxStreamResourceCreates; ++i) {
    auto one = pipe_resource(kPipeBuffer, 1, 1, i);
    many.insert(many.end(), one.begin(), one.end());
  }
  auto scanned = scan_virgl_stream(many);
  ASSERT_TRUE(std::holds_alternative<std::string>(scanned));
  EXPECT_NE(std::get<std::string>(scanned).find("PIPE_RESOURCE_CREATE"), std::string::npos);
  std::vector<std::uint32_t> objects(kMaxStreamObjectCreates + 1, cmd0(1, 0));
  EXPECT_TRUE(std::holds_alternative<std::string>(scan_virgl_stream(objects)));
  EXPECT_TRUE(std::holds_alternative<VirglStreamCharge>(scan_virgl_stream({})));
}

TEST(VirglStreamScan, ChargesSaturateOverAStream) {
  std::vector<std::uint32_t> words;
  for (int i = 0; i < 3; ++i) {
    auto one = pipe_resource(kTexture2d, 1u << 30, 1u << 30, 0);
    words.insert(words.end(), one.begin(), one.end());
  }
  auto scanned = scan_virgl_stream(words);
  ASSERT_TRUE(std::holds_alternative<VirglStreamCharge>(scanned));
  EXPECT_EQ(std::get<VirglStreamCharge>(scanned).bytes, std::numeric_limits<std::uint64_t>::max());
}

TEST(RendererMemoryGuard, StatmGivesResidentMinusShared) {
  EXPECT_EQ(anonymous_bytes_from_statm("1000 300 100 10 0 500 0\n", 4096), 200u * 4096);
  EXPECT_EQ(anonymous_bytes_from_statm("1000 100 300 10 0 500 0\n", 4096), 0u);
  EXPECT_FALSE(anonymous_bytes_from_statm("garbage", 4096));
  EXPECT_FALSE(anonymous_bytes_from_statm("", 4096));
}

TEST(RendererMemoryGuard, OverOnlyPastBaselinePlusAllowance) {
  std::uint64_t now = 1000;
  bool readable = true;
  RendererMemoryGuard guard([&]() -> std::optional<std::uint64_t> {
    if (!readable) return std::nullopt;
    return now;
  }, 500);
  EXPECT_EQ(guard.baseline(), 1000u);
  EXPECT_EQ(guard.bound(), 1500u);
  now = 1500;
  EXPECT_FALSE(guard.over());
  now = 1501;
  EXPECT_TRUE(guard.over());
  readable = false;
  EXPECT_FALSE(guard.over()) << "a failed sample is not an overrun";
  EXPECT_EQ(guard.highest_sample(), 1501u);
}

TEST(RendererMemoryGuard, ReadsThisProcess) {
  std::string error;
  auto guard = RendererMemoryGuard::for_this_process(1ull << 40, &error);
  ASSERT_TRUE(guard) << error;
  EXPECT_GT(guard->baseline(), 0u);
  EXPECT_FALSE(guard->over());
}

}  // namespace
}  // namespace vmm::gpu
