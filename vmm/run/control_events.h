// The control socket's `events`: every memslot event and every derived memory type, taken
// from the same hooks and built by the same functions as --memslot-trace's lines
// (vmm/report/memslot_trace.h), so a subscriber reads exactly what the trace would hold,
// with or without --memslot-trace. Subscribed before the guest runs.
#pragma once

#include <memory>

#include "vmm/assembly/machine.h"
#include "vmm/control/event_feed.h"

namespace vmm {

std::shared_ptr<control::EventFeed> feed_control_events(Machine& machine);

}  // namespace vmm
