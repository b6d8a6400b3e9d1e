#include "vmm/report/memslot_event_log.h"

namespace vmm {

MemslotEventLog::MemslotEventLog(MemslotTable& table) {
  table.subscribe([this](const MemslotEvent& event) {
    std::lock_guard lock(mutex_);
    if (events_.size() == kMaxEvents) {
      ++dropped_;
      return;
    }
    MemslotEvent kept = event;
    kept.slot.request.host_addr = nullptr;  // see memslot.h: valid only during the event
    kept.slot.request.backing.reset();      // the fd may be closed and reused
    events_.push_back(std::move(kept));
  });
}

std::vector<MemslotEvent> MemslotEventLog::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

std::uint64_t MemslotEventLog::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace vmm
