// Forwards another program's output to stderr a line at a time, bounded: vmm-gpu-process
// gives the render server (virgl_render_server: vkr's and lavapipe's messages, which a
// guest's Venus stream can provoke at will) a pipe instead of its own stderr, and copies
// what comes through it to vmm's stderr, prefixed, at most 10 lines per 5 s. A line longer
// than kMaxLineBytes is cut there (the rest counts as lines of its own); what is dropped is
// counted, and said in the next line admitted or at the end.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "base/rate_limiter.h"

namespace vmm::gpu::process {

inline constexpr std::size_t kMaxLineBytes = 512;

// Reads IN until end of file or an error, writing each admitted line to OUT as
// "PREFIX: line". NOW is the limiter's clock (a test fixes it). Returns the lines dropped.
std::uint64_t forward_log_lines(int in, int out, const std::string& prefix,
                                const std::function<RateLimiter::Clock::time_point()>& now = RateLimiter::Clock::now);

// Runs forward_log_lines(IN, 2, PREFIX) on a thread of its own for the life of the process.
void forward_log_lines_in_background(int in, const std::string& prefix);

}  // namespace vmm::gpu::process
