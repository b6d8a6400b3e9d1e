// KeptFirst<T>: the bound every log of the run shares. The first `max` items are kept, later
// ones only counted, so a guest that repeats an event in a loop cannot grow the VMM while
// the part a bug report needs (the start of the run) stays. Thread-safe: the logs are fed
// from vCPU threads and read by the report at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

namespace vmm {

template <typename T>
class KeptFirst {
 public:
  explicit KeptFirst(std::size_t max) : max_(max) {}

  // False (and counted in dropped()) when the bound was already reached.
  bool add(T item) {
    std::lock_guard lock(mutex_);
    if (items_.size() == max_) {
      ++dropped_;
      return false;
    }
    items_.push_back(std::move(item));
    return true;
  }

  bool full() const {
    std::lock_guard lock(mutex_);
    return items_.size() == max_;
  }

  std::vector<T> items() const {
    std::lock_guard lock(mutex_);
    return items_;
  }

  std::uint64_t dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
  }

 private:
  const std::size_t max_;
  mutable std::mutex mutex_;
  std::vector<T> items_;
  std::uint64_t dropped_ = 0;
};

}  // namespace vmm
