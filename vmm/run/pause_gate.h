// PauseGate: the control socket's pause and resume (vmm/control). Pausing asks every vCPU
// thread to leave KVM_RUN (the caller's `kick`: immediate_exit and the kick signal, as the
// stop does) and to wait here instead of entering it again; pause() returns once all of
// them wait, so that what is read while paused (registers, page tables, the memslot table)
// no longer changes under the reader. Resuming lets them go on; the guest sees only time
// pass.
//
// A stop while paused must not wait for a resume: release_for_stop() (the stop's callback)
// lets every parked thread go, and their loops then see the stop. A vCPU thread whose loop
// ended (the stop, a failure) counts as parked from then on.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>

namespace vmm {

class PauseGate {
 public:
  explicit PauseGate(std::size_t vcpus) : vcpus_(vcpus) {}

  // vCPU threads. `requested()` is one atomic load, checked before every KVM_RUN.
  bool requested() const { return requested_.load(std::memory_order_acquire); }
  void park();   // returns on resume or stop
  void leave();  // this thread's loop has ended

  // The control thread. pause() calls `kick` until every vCPU is parked (again every
  // kKickInterval: a kick that lands just before a thread enters KVM_RUN is not lost) and
  // returns true, or false when the VM is stopping. Both are idempotent.
  bool pause(const std::function<void()>& kick);
  void resume();
  bool paused() const;  // asked and every vCPU parked (or gone)

  // The stop's callback: every parked thread goes on, pause() gives up.
  void release_for_stop();

 private:
  const std::size_t vcpus_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::atomic<bool> requested_{false};
  std::size_t parked_ = 0;  // waiting in park()
  std::size_t gone_ = 0;    // loops that ended
  bool stopping_ = false;
};

}  // namespace vmm
