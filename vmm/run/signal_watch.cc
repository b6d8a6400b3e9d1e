#include "vmm/run/signal_watch.h"

#include <pthread.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>

namespace vmm {

SignalWatch::SignalWatch(StopSignal& stop, std::function<void()> on_start) : stop_(stop) {
  sigemptyset(&watched_);
  sigaddset(&watched_, SIGINT);
  sigaddset(&watched_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &watched_, &previous_);
  thread_ = std::thread([this, on_start = std::move(on_start)] {
    if (on_start) on_start();
    // Polling every 100 ms keeps this simple: the watcher needs no wake-up of its own when
    // the guest ends the VM.
    const timespec tick{0, 100 * 1000 * 1000};
    while (!stop_.requested()) {
      const int sig = sigtimedwait(&watched_, nullptr, &tick);
      if (sig > 0)
        stop_.request(128 + sig, std::string("vmm received ") + strsignal(sig));
    }
  });
}

SignalWatch::~SignalWatch() {
  thread_.join();
  pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

}  // namespace vmm
