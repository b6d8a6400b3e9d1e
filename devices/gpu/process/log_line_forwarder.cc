#include "devices/gpu/process/log_line_forwarder.h"

#include <unistd.h>

#include <cerrno>
#include <thread>

namespace vmm::gpu::process {

void BoundedLineLog::write_out(const std::string& text) const {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(out_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stderr gone: nothing to tell anyone
    done += static_cast<std::size_t>(n);
  }
}

void BoundedLineLog::write(std::string_view line) {
  std::lock_guard lock(mutex_);
  const auto admission = limiter_.admit(now_());
  if (!admission.admitted) {
    ++dropped_;
    ++unsaid_;
    return;
  }
  std::string text;
  if (admission.suppressed_before != 0)
    text = prefix_ + ": (" + std::to_string(admission.suppressed_before) + " lines dropped)\n";
  unsaid_ = 0;
  text += prefix_;
  text += ": ";
  text += line;
  text += '\n';
  write_out(text);
}

void BoundedLineLog::flush() {
  std::lock_guard lock(mutex_);
  if (unsaid_ == 0) return;
  write_out(prefix_ + ": (" + std::to_string(unsaid_) + " lines dropped)\n");
  unsaid_ = 0;
}

std::uint64_t BoundedLineLog::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

std::uint64_t forward_log_lines(int in, int out, const std::string& prefix, const LogClock& now) {
  BoundedLineLog log(out, prefix, now);
  std::string line;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] != '\n') line += buf[i];
      if (buf[i] == '\n' || line.size() == kMaxLineBytes) {
        log.write(line);
        line.clear();
      }
    }
  }
  if (!line.empty()) log.write(line);
  log.flush();
  return log.dropped();
}

void forward_log_lines_in_background(int in, const std::string& prefix) {
  std::thread([in, prefix] {
    forward_log_lines(in, 2, prefix);
    close(in);
  }).detach();
}

}  // namespace vmm::gpu::process
