// MemslotEventLog: the memslot events of the run, kept for --report. Subscribes to the
// memslot table; events arrive on whichever thread changed the table.
//
// Bounded: the first kMaxEvents are kept (the RAM and the first device mappings, the part a
// bug report needs), later ones are only counted, so a guest mapping and unmapping in a loop
// cannot grow the VMM. Kept events carry no host pointer or fd: the memory behind a slot
// may be unmapped long before the report is written.
#pragma once

#include <mutex>
#include <vector>

#include "memory/memslot.h"
#include "memory/memslot_table.h"

namespace vmm {

class MemslotEventLog {
 public:
  explicit MemslotEventLog(MemslotTable& table);
  static constexpr std::size_t kMaxEvents = 4096;  // ~1.5 MiB with their strings
  std::vector<MemslotEvent> events() const;
  std::uint64_t dropped() const;  // events beyond kMaxEvents

 private:
  mutable std::mutex mutex_;
  std::vector<MemslotEvent> events_;
  std::uint64_t dropped_ = 0;
};

}  // namespace vmm
