// MemslotEventLog: every memslot event of the run, kept for --report. Subscribes to the
// memslot table; events arrive on whichever thread changed the table.
#pragma once

#include <mutex>
#include <vector>

#include "memory/memslot.h"
#include "memory/memslot_table.h"

namespace vmm {

class MemslotEventLog {
 public:
  explicit MemslotEventLog(MemslotTable& table);
  std::vector<MemslotEvent> events() const;

 private:
  mutable std::mutex mutex_;
  std::vector<MemslotEvent> events_;
};

}  // namespace vmm
