// Fuzzes the forwarder vmm-gpu-process puts between the render server's output and vmm's
// stderr (devices/gpu/process/log_line_forwarder.h): a guest's Venus stream can make vkr and
// lavapipe print whatever it likes, so the bytes are the guest's.
//
// Input: what the render server writes, up to 60000 bytes (one pipe's worth, so no reader
// thread is needed). The limiter's clock is fixed.
//
// Invariants, for any input:
//  - nothing reads out of bounds (ASan);
//  - at most 10 lines reach the output, plus one line saying how many were dropped, each at
//    most the prefix and kMaxLineBytes long, and every one starts with the prefix;
//  - the count of dropped lines is what was not forwarded (input lines, cut at the bound,
//    minus the ten).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "devices/gpu/process/log_line_forwarder.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/unit/gpu/read_to_end.h"

namespace vmm::fuzz {
namespace {

constexpr std::size_t kMaxInput = 60000;
const std::string kPrefix = "P";

// How many lines the forwarder sees in DATA: a newline ends one, kMaxLineBytes without one
// ends one, and a non-empty tail is one.
std::uint64_t lines_in(const std::uint8_t* data, std::size_t size) {
  std::uint64_t lines = 0;
  std::size_t run = 0;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == '\n') {
      ++lines;
      run = 0;
    } else if (++run == gpu::process::kMaxLineBytes) {
      ++lines;
      run = 0;
    }
  }
  return lines + (run != 0 ? 1 : 0);
}

void run(const std::uint8_t* data, std::size_t size) {
  size = std::min(size, kMaxInput);
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) __builtin_trap();
  // The output pipe must hold all that may come back: 11 lines of prefix + bound.
  if (size != 0 && write(in[1], data, size) != static_cast<ssize_t>(size)) __builtin_trap();
  close(in[1]);
  const auto now = [] { return RateLimiter::Clock::time_point{} + std::chrono::hours(1); };
  const std::uint64_t dropped = gpu::process::forward_log_lines(in[0], out[1], kPrefix, now);
  close(in[0]);
  close(out[1]);
  const std::string text = test::read_to_end(out[0]);
  close(out[0]);

  const std::uint64_t seen = lines_in(data, size);
  if (dropped != (seen > 10 ? seen - 10 : 0)) __builtin_trap();
  std::size_t lines = 0, at = 0;
  while (at < text.size()) {
    const std::size_t end = text.find('\n', at);
    if (end == std::string::npos) __builtin_trap();  // every line written whole
    if (text.compare(at, kPrefix.size() + 2, kPrefix + ": ") != 0) __builtin_trap();
    if (end - at > kPrefix.size() + 2 + gpu::process::kMaxLineBytes) __builtin_trap();
    ++lines;
    at = end + 1;
  }
  if (lines > 10 + (dropped != 0 ? 1 : 0)) __builtin_trap();
}

}  // namespace
}  // namespace vmm::fuzz

VMM_FUZZ_TARGET_BYTES(vmm::fuzz::run)
