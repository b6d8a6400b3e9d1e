// log_line_forwarder (vmm-gpu-process): the render server's output reaches vmm's stderr at
// most 10 lines per 5 s, each line cut at kMaxLineBytes, and what was dropped is said. The
// limiter's clock is fixed here, so nothing depends on how fast the test runs.
#include "devices/gpu/process/log_line_forwarder.h"
#include "tests/unit/gpu/read_to_end.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

namespace vmm::gpu::process {
namespace {

// Feeds INPUT through forward_log_lines and returns what it wrote, line by line.
std::vector<std::string> forward(const std::string& input, std::uint64_t* dropped,
                                 const std::function<RateLimiter::Clock::time_point()>& now) {
  int in[2], out[2];
  EXPECT_EQ(pipe(in), 0);
  EXPECT_EQ(pipe(out), 0);
  // Small enough for the pipes' buffers: no thread needed to drain them.
  EXPECT_LT(input.size(), 60000u);
  EXPECT_EQ(write(in[1], input.data(), input.size()), static_cast<ssize_t>(input.size()));
  close(in[1]);
  *dropped = forward_log_lines(in[0], out[1], "P", now);
  close(in[0]);
  close(out[1]);
  const std::string text = test::read_to_end(out[0]);
  close(out[0]);
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

const auto kFixed = [] { return RateLimiter::Clock::time_point{} + std::chrono::hours(1); };

TEST(LogLineForwarderTest, AFloodIsTenLinesAndACount) {
  std::string input;
  for (int i = 0; i < 100; ++i) input += "vkr: line " + std::to_string(i) + "\n";
  std::uint64_t dropped = 0;
  const auto lines = forward(input, &dropped, kFixed);
  ASSERT_EQ(lines.size(), 11u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(lines[i], "P: vkr: line " + std::to_string(i));
  EXPECT_EQ(lines[10], "P: (90 lines dropped)");
  EXPECT_EQ(dropped, 90u);
}

TEST(LogLineForwarderTest, ALongLineIsCutAtTheBound) {
  const std::string input(2 * kMaxLineBytes + 100, 'x');  // and no newline at all
  std::uint64_t dropped = 0;
  const auto lines = forward(input, &dropped, kFixed);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "P: " + std::string(kMaxLineBytes, 'x'));
  EXPECT_EQ(lines[1], "P: " + std::string(kMaxLineBytes, 'x'));
  EXPECT_EQ(lines[2], "P: " + std::string(100, 'x'));
  EXPECT_EQ(dropped, 0u);
}

// After a quiet window the next line is admitted, and says how many were dropped before it.
TEST(LogLineForwarderTest, TheNextAdmittedLineSaysWhatWasDropped) {
  int calls = 0;
  const auto now = [&calls] {
    return RateLimiter::Clock::time_point{} + std::chrono::hours(1) + std::chrono::seconds(calls++ < 20 ? 0 : 10);
  };
  std::string input;
  for (int i = 0; i < 21; ++i) {  // appends: GCC 12 at -O3 misreads "l" + string (-Wrestrict)
    input += 'l';
    input += std::to_string(i);
    input += '\n';
  }
  std::uint64_t dropped = 0;
  const auto lines = forward(input, &dropped, now);
  ASSERT_EQ(lines.size(), 12u);
  EXPECT_EQ(lines[9], "P: l9");
  EXPECT_EQ(lines[10], "P: (10 lines dropped)");
  EXPECT_EQ(lines[11], "P: l20");
  EXPECT_EQ(dropped, 10u);
}

}  // namespace
}  // namespace vmm::gpu::process
