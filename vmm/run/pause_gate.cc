#include "vmm/run/pause_gate.h"

#include <chrono>

namespace vmm {

namespace {
constexpr auto kKickInterval = std::chrono::milliseconds(20);
}

void PauseGate::park() {
  std::unique_lock lock(mutex_);
  ++parked_;
  changed_.notify_all();
  changed_.wait(lock, [this] { return !requested_.load(std::memory_order_relaxed) || stopping_; });
  --parked_;
}

void PauseGate::leave() {
  std::lock_guard lock(mutex_);
  ++gone_;
  changed_.notify_all();
}

bool PauseGate::pause(const std::function<void()>& kick) {
  std::unique_lock lock(mutex_);
  if (stopping_) return false;
  requested_.store(true, std::memory_order_release);
  while (parked_ + gone_ < vcpus_ && !stopping_) {
    lock.unlock();
    kick();
    lock.lock();
    changed_.wait_for(lock, kKickInterval, [this] { return parked_ + gone_ >= vcpus_ || stopping_; });
  }
  return !stopping_;
}

void PauseGate::resume() {
  std::lock_guard lock(mutex_);
  requested_.store(false, std::memory_order_release);
  changed_.notify_all();
}

bool PauseGate::paused() const {
  std::lock_guard lock(mutex_);
  return requested_.load(std::memory_order_relaxed) && parked_ + gone_ >= vcpus_;
}

void PauseGate::release_for_stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  changed_.notify_all();
}

}  // namespace vmm
