#include "vmm/report/memslot_event_log.h"

namespace vmm {

MemslotEventLog::MemslotEventLog(MemslotTable& table) {
  table.subscribe([this](const MemslotEvent& event) {
    MemslotEvent kept = event;
    kept.slot.request.host_addr = nullptr;  // see memslot.h: valid only during the event
    kept.slot.request.backing.reset();      // the fd may be closed and reused
    kept_.add(std::move(kept));
  });
}

}  // namespace vmm
