#include "vmm/run/stdin_pump.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace vmm {

StdinPump::StdinPump(int input_fd, Sink sink, std::function<void()> on_start)
    : input_fd_(input_fd), sink_(std::move(sink)), wake_(eventfd(0, EFD_CLOEXEC)) {
  if (!wake_.valid()) throw std::system_error(errno, std::generic_category(), "eventfd");
  thread_ = std::thread([this, on_start = std::move(on_start)] {
    if (on_start) on_start();
    pump();
  });
}

StdinPump::~StdinPump() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto written = ::write(wake_.get(), &one, sizeof one);
  thread_.join();
}

void StdinPump::pump() {
  pollfd fds[2] = {{input_fd_, POLLIN, 0}, {wake_.get(), POLLIN, 0}};
  std::uint8_t buffer[256];
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents == 0) continue;
    const ssize_t n = ::read(input_fd_, buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      // End of input (or an error): the guest simply gets no more bytes. Keep waiting for
      // the stop so the destructor's join stays quick and uniform.
      fds[0].fd = -1;
      continue;
    }
    sink_(std::span<const std::uint8_t>(buffer, static_cast<std::size_t>(n)));
  }
}

}  // namespace vmm
