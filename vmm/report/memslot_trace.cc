#include "vmm/report/memslot_trace.h"

#include <cerrno>
#include <nlohmann/json.hpp>
#include <system_error>

#include "base/format.h"
#include "vmm/report/derivation_json.h"

namespace vmm {

nlohmann::json memslot_event_json(const MemslotEvent& event) {
  const Memslot& slot = event.slot;
  nlohmann::json j = {
      {"event", std::string(to_string(event.kind))},
      {"slot", slot.slot},
      {"serial", slot.serial},
      {"guest_addr", hex(slot.request.guest_addr)},
      {"size", hex(slot.request.size)},
      {"owner", slot.request.owner},
      {"requested", slot.request.cache_type},
      {"applied", slot.applied.names},
      {"rule", slot.applied.rule},
      {"kvm_flags", hex(slot.applied.kvm_flags)},
      {"read_only", slot.request.read_only},
  };
  if (const auto& why = slot.request.cache_reason) {
    if (!why->map_info.empty()) j["map_info"] = why->map_info;
    if (!why->map_info_from.empty()) j["map_info_from"] = why->map_info_from;
    if (!why->reported_map_info.empty()) j["renderer_map_info"] = why->reported_map_info;
    if (!why->producer_context.empty()) j["renderer_context"] = why->producer_context;
    if (!why->decided_by.empty()) j["cache_decided_by"] = why->decided_by;
  }
  if (event.began_ns != 0) {
    j["t_ns"] = event.began_ns;  // CLOCK_MONOTONIC
    j["took_ns"] = event.took_ns;
    j["kvm_ns"] = event.backend_ns;
  }
  if (slot.pending) j["pending"] = "first touch";  // in the table, not yet in KVM
  if (event.touched_gpa) j["touched_gpa"] = hex(*event.touched_gpa);
  if (event.old_guest_addr) j["old_guest_addr"] = hex(*event.old_guest_addr);
  if (event.kind == MemslotEventKind::Refused) j["reason"] = event.reason;
  // Never hashed here: by the time an event is printed its memory may be gone.
  if (event.removal_checksum.fnv1a) j["fnv1a"] = hex(*event.removal_checksum.fnv1a);
  if (!event.removal_checksum.skipped.empty()) j["fnv1a_skipped"] = event.removal_checksum.skipped;
  return j;
}

nlohmann::json memslot_json(const Memslot& slot) {
  nlohmann::json j = memslot_event_json(MemslotEvent{.kind = MemslotEventKind::Added, .slot = slot});
  j.erase("event");
  return j;
}

MemslotTrace::MemslotTrace(const std::string& path) : file_(std::fopen(path.c_str(), "w")) {
  if (!file_)
    throw std::system_error(errno, std::generic_category(),
                            "cannot open memslot trace '" + path + "'");
}

void MemslotTrace::attach(MemslotTable& table) {
  table.subscribe([this](const MemslotEvent& event) { write(event); });
}

MemslotTrace::~MemslotTrace() {
  if (dropped_ == 0) return;
  const nlohmann::json last = {{"event", "dropped"}, {"count", dropped_}, {"limit", kMaxLines}};
  std::fputs((last.dump() + "\n").c_str(), file_.get());
}

void MemslotTrace::write(const MemslotEvent& event) { write_line(memslot_event_json(event)); }

nlohmann::json derivation_event_json(const memtype::SlotDerivation& derivation) {
  nlohmann::json line = {{"event", "derive"}};
  line.update(derivation_json(derivation));
  return line;
}

void MemslotTrace::write_derivation(const memtype::SlotDerivation& derivation) {
  write_line(derivation_event_json(derivation));
}

void MemslotTrace::write_line(const nlohmann::json& json) {
  std::lock_guard lock(mutex_);
  if (lines_ == kMaxLines) {
    ++dropped_;
    return;
  }
  ++lines_;
  const std::string line = json.dump() + "\n";
  std::fputs(line.c_str(), file_.get());
  std::fflush(file_.get());  // a crash must not lose the events that led to it
}

}  // namespace vmm
