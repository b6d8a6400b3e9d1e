#include "devices/gpu/process/log_line_forwarder.h"

#include <unistd.h>

#include <cerrno>
#include <thread>

namespace vmm::gpu::process {

namespace {

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stderr gone: nothing to tell anyone
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::uint64_t forward_log_lines(int in, int out, const std::string& prefix,
                                const std::function<RateLimiter::Clock::time_point()>& now) {
  RateLimiter limiter;
  std::uint64_t dropped = 0, unsaid = 0;
  std::string line;
  const auto emit = [&] {
    const auto admission = limiter.admit(now());
    if (!admission.admitted) {
      ++dropped;
      ++unsaid;
      return;
    }
    std::string text;
    if (unsaid != 0) text += prefix + ": (" + std::to_string(unsaid) + " lines dropped)\n";
    unsaid = 0;
    write_all(out, text + prefix + ": " + line + "\n");
  };
  char buf[4096];
  for (;;) {
    const ssize_t n = read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == '\n') {
        emit();
        line.clear();
        continue;
      }
      line += buf[i];
      if (line.size() == kMaxLineBytes) {
        emit();
        line.clear();
      }
    }
  }
  if (!line.empty()) emit();
  if (unsaid != 0) write_all(out, prefix + ": (" + std::to_string(unsaid) + " lines dropped)\n");
  return dropped;
}

void forward_log_lines_in_background(int in, const std::string& prefix) {
  std::thread([in, prefix] {
    forward_log_lines(in, 2, prefix);
    close(in);
  }).detach();
}

}  // namespace vmm::gpu::process
