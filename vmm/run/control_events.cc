#include "vmm/run/control_events.h"

#include "vmm/control/control_protocol.h"
#include "vmm/report/memslot_trace.h"

namespace vmm {

std::shared_ptr<control::EventFeed> feed_control_events(Machine& machine) {
  auto feed = std::make_shared<control::EventFeed>();
  // The listeners hold the feed: the table and the log keep them until the machine goes,
  // after the server closed the feed.
  machine.memslot_table().subscribe([feed](const MemslotEvent& event) {
    if (feed->wanted()) feed->publish(control::encode_event("memslot", memslot_event_json(event)));
  });
  machine.derivation_log().subscribe([feed](const memtype::SlotDerivation& derivation) {
    if (feed->wanted()) feed->publish(control::encode_event("memslot", derivation_event_json(derivation)));
  });
  return feed;
}

}  // namespace vmm
