#include "devices/gpu/render_thread.h"

#include <pthread.h>

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <future>
#include <system_error>

namespace vmm {

RenderThread::RenderThread() : wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (wake_fd_.get() < 0)
    throw std::system_error(errno, std::generic_category(), "eventfd for the render thread");
}

RenderThread::~RenderThread() { stop(); }

std::string RenderThread::start(Init init, Work work, PollFd poll_fd) {
  std::promise<std::string> started;
  auto result = started.get_future();
  thread_ = std::thread([this, &started, init = std::move(init), work = std::move(work),
                         poll_fd = std::move(poll_fd)]() mutable {
    pthread_setname_np(pthread_self(), "vmm-render");  // in top, gdb and the tests' checks
    std::string error = init();
    const int fd = error.empty() ? poll_fd() : -1;
    const bool ok = error.empty();
    started.set_value(std::move(error));
    if (ok) loop(std::move(work), fd);
  });
  std::string error = result.get();
  if (!error.empty()) thread_.join();
  return error;
}

void RenderThread::wake() {
  const std::uint64_t one = 1;
  // EAGAIN: the counter is already non-zero, so a wake-up is pending anyway.
  [[maybe_unused]] ssize_t n = write(wake_fd_.get(), &one, sizeof(one));
}

void RenderThread::run(const std::function<void()>& task) {
  if (!running()) return;
  std::function<void()> copy = task;
  std::unique_lock lock(task_mutex_);
  task_ = &copy;
  wake();
  task_done_.wait(lock, [&] { return task_ == nullptr; });
}

void RenderThread::stop() {
  if (!running()) return;
  {
    std::lock_guard lock(task_mutex_);
    stopping_ = true;
  }
  wake();
  thread_.join();
}

void RenderThread::loop(Work work, int renderer_fd) {
  bool again = work();
  for (;;) {
    pollfd fds[2] = {{wake_fd_.get(), POLLIN, 0}, {renderer_fd, POLLIN, 0}};
    const int timeout = again && renderer_fd < 0 ? kFencePollMs : (again ? kFencePollMs * 10 : -1);
    if (poll(fds, renderer_fd >= 0 ? 2 : 1, timeout) < 0 && errno != EINTR) return;
    std::uint64_t count = 0;
    [[maybe_unused]] ssize_t n = read(wake_fd_.get(), &count, sizeof(count));
    {
      std::lock_guard lock(task_mutex_);
      if (stopping_) return;
      if (task_ != nullptr) {
        (*task_)();
        task_ = nullptr;
        task_done_.notify_all();
      }
    }
    again = work();
  }
}

}  // namespace vmm
