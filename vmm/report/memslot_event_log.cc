#include "vmm/report/memslot_event_log.h"

namespace vmm {

MemslotEventLog::MemslotEventLog(MemslotTable& table) {
  table.subscribe([this](const MemslotEvent& event) {
    std::lock_guard lock(mutex_);
    events_.push_back(event);
  });
}

std::vector<MemslotEvent> MemslotEventLog::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

}  // namespace vmm
