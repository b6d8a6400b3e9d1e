#include "vmm/run/stop_signal.h"

namespace vmm {

void StopSignal::on_stop(std::function<void()> callback) {
  std::lock_guard lock(mutex_);
  callback_ = std::move(callback);
}

void StopSignal::request(int exit_status, std::string description) {
  std::function<void()> callback;
  {
    std::lock_guard lock(mutex_);
    if (reason_) return;
    reason_ = StopReason{exit_status, std::move(description)};
    callback = callback_;
  }
  changed_.notify_all();
  if (callback) callback();
}

bool StopSignal::requested() const {
  std::lock_guard lock(mutex_);
  return reason_.has_value();
}

std::optional<StopReason> StopSignal::reason() const {
  std::lock_guard lock(mutex_);
  return reason_;
}

StopReason StopSignal::wait() const {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return reason_.has_value(); });
  return *reason_;
}

}  // namespace vmm
