// SpteReader: the thread that empties KVM's tracepoint buffers (SpteTracer::drain) every
// SpteTracer::kPollMs while the VM runs, so a busy guest does not overflow them between the
// moments vmm needs them. finish() makes it read what is left, give the tracefs instance
// back and end; without a tracer it does nothing.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "vmm/kvm/spte_tracer.h"

namespace vmm {

class SpteReader {
 public:
  // `on_start` runs first on the reader's thread (the runner confines it there).
  SpteReader(SpteTracer* tracer, std::function<void()> on_start);
  SpteReader(const SpteReader&) = delete;
  SpteReader& operator=(const SpteReader&) = delete;
  ~SpteReader();  // finish()

  void finish();

 private:
  void run(const std::function<void()>& on_start);

  SpteTracer* tracer_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool finishing_ = false;
  std::thread thread_;
};

}  // namespace vmm
