#include "vmm/run/spte_reader.h"

#include <chrono>

namespace vmm {

SpteReader::SpteReader(SpteTracer* tracer, std::function<void()> on_start) : tracer_(tracer) {
  if (tracer_ == nullptr) return;
  thread_ = std::thread([this, on_start = std::move(on_start)] { run(on_start); });
}

SpteReader::~SpteReader() { finish(); }

void SpteReader::finish() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    finishing_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void SpteReader::run(const std::function<void()>& on_start) {
  if (on_start) on_start();
  std::unique_lock lock(mutex_);
  while (!finishing_) {
    lock.unlock();
    tracer_->drain();
    lock.lock();
    wake_.wait_for(lock, std::chrono::milliseconds(SpteTracer::kPollMs), [this] { return finishing_; });
  }
  lock.unlock();
  tracer_->close();  // the last events, then the instance goes: on this thread, see seccomp
}

}  // namespace vmm
