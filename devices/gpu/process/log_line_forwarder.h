// Bounded logs of vmm-gpu-process. What a guest's stream can make the renderer print goes
// to vmm's stderr a line at a time, prefixed, at most 10 lines per 5 s per log, and what is
// dropped is counted and said in the next line admitted (or at the end):
//   - virglrenderer's own messages (its log callback, hosted_renderer.cc);
//   - the render server's output (virgl_render_server: vkr's and lavapipe's messages): the
//     server gets a pipe instead of the process's stderr, and forward_log_lines() copies
//     what comes through it, a line longer than kMaxLineBytes cut there (the rest counts
//     as lines of its own).
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "base/rate_limiter.h"

namespace vmm::gpu::process {

inline constexpr std::size_t kMaxLineBytes = 512;

using LogClock = std::function<RateLimiter::Clock::time_point()>;

// One bounded log: each line written to OUT as "PREFIX: line" if the limiter admits it.
// Safe to call from any thread.
class BoundedLineLog {
 public:
  BoundedLineLog(int out, std::string prefix, LogClock now = RateLimiter::Clock::now)
      : out_(out), prefix_(std::move(prefix)), now_(std::move(now)) {}
  void write(std::string_view line);
  // Says how many lines were dropped since the last one admitted, if any.
  void flush();
  std::uint64_t dropped() const;

 private:
  void write_out(const std::string& text) const;
  const int out_;
  const std::string prefix_;
  const LogClock now_;
  RateLimiter limiter_;
  mutable std::mutex mutex_;
  std::uint64_t dropped_ = 0, unsaid_ = 0;
};

// Reads IN until end of file or an error, each line (cut at kMaxLineBytes) through a
// BoundedLineLog on OUT with PREFIX and NOW, flushed at the end. Returns the lines dropped.
std::uint64_t forward_log_lines(int in, int out, const std::string& prefix,
                                const LogClock& now = RateLimiter::Clock::now);

// Runs forward_log_lines(IN, 2, PREFIX) on a thread of its own for the life of the process.
void forward_log_lines_in_background(int in, const std::string& prefix);

}  // namespace vmm::gpu::process
