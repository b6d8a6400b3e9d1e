#include "vmm/control/event_feed.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "vmm/control/control_limits.h"

namespace vmm::control {

EventFeed::EventFeed() : wake_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!wake_.valid()) throw std::system_error(errno, std::generic_category(), "--control: eventfd");
}

void EventFeed::publish(std::string line) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    if (pending_.size() >= kMaxPendingEvents) {
      ++dropped_;
      return;
    }
    pending_.push_back(std::move(line));
  }
  const std::uint64_t one = 1;
  // Fails only when the counter would overflow, and then the control thread is awake anyway.
  [[maybe_unused]] auto written = ::write(wake_.get(), &one, sizeof one);
}

EventFeed::Batch EventFeed::take() {
  std::uint64_t counter = 0;
  [[maybe_unused]] auto read = ::read(wake_.get(), &counter, sizeof counter);
  Batch batch;
  std::lock_guard lock(mutex_);
  batch.lines.assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
  pending_.clear();
  batch.dropped = dropped_;
  dropped_ = 0;
  return batch;
}

void EventFeed::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  pending_.clear();
}

}  // namespace vmm::control
