// SignalWatch: turns SIGINT and SIGTERM into an orderly VM stop (exit status 128 + signal),
// so Ctrl-C still writes --report, the memslot table at exit and the screenshot. The
// signals are blocked in every thread created after construction and collected here with
// sigtimedwait; the watcher ends when the VM stops for any other reason.
#pragma once

#include <signal.h>

#include <functional>
#include <thread>

#include "vmm/run/stop_signal.h"

namespace vmm {

class SignalWatch {
 public:
  // `on_start` runs first on the watcher thread (the runner confines it there).
  explicit SignalWatch(StopSignal& stop, std::function<void()> on_start = {});
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;
  ~SignalWatch();  // joins the watcher and restores the previous signal mask

 private:
  StopSignal& stop_;
  sigset_t watched_{};
  sigset_t previous_{};
  std::thread thread_;
};

}  // namespace vmm
