// MemslotEventLog: the memslot events of the run, kept for --report. Subscribes to the
// memslot table; events arrive on whichever thread changed the table.
//
// Bounded: the first kMaxEvents are kept (the RAM and the first device mappings, the part a
// bug report needs), later ones are only counted, so a guest mapping and unmapping in a loop
// cannot grow the VMM. Kept events carry no host pointer or fd: the memory behind a slot
// may be unmapped long before the report is written.
#pragma once

#include <vector>

#include "memory/memslot.h"
#include "memory/memslot_table.h"
#include "vmm/report/kept_first.h"

namespace vmm {

class MemslotEventLog {
 public:
  explicit MemslotEventLog(MemslotTable& table);
  static constexpr std::size_t kMaxEvents = 4096;  // ~1.5 MiB with their strings
  std::vector<MemslotEvent> events() const { return kept_.items(); }
  std::uint64_t dropped() const { return kept_.dropped(); }  // events beyond kMaxEvents

 private:
  KeptFirst<MemslotEvent> kept_{kMaxEvents};
};

}  // namespace vmm
