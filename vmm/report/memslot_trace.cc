#include "vmm/report/memslot_trace.h"

#include <cerrno>
#include <nlohmann/json.hpp>
#include <system_error>

#include "base/fnv1a.h"
#include "base/format.h"

namespace vmm {

namespace {

bool is_ram(const Memslot& slot) { return slot.request.owner.rfind("ram-", 0) == 0; }

// Hashing a removed RAM slot would read (and fault in) the whole guest RAM at exit; the
// checksum is only meant for device mappings, which are small.
constexpr std::uint64_t kMaxChecksummedSlot = 1ull << 30;

}  // namespace

nlohmann::json memslot_event_json(const MemslotEvent& event) {
  const Memslot& slot = event.slot;
  nlohmann::json j = {
      {"event", std::string(to_string(event.kind))},
      {"slot", slot.slot},
      {"guest_addr", hex(slot.request.guest_addr)},
      {"size", hex(slot.request.size)},
      {"owner", slot.request.owner},
      {"requested", slot.request.cache_type},
      {"applied", slot.applied.names},
      {"rule", slot.applied.rule},
      {"kvm_flags", hex(slot.applied.kvm_flags)},
      {"read_only", slot.request.read_only},
  };
  if (event.old_guest_addr) j["old_guest_addr"] = hex(*event.old_guest_addr);
  if (event.kind == MemslotEventKind::Refused) j["reason"] = event.reason;
  if (event.kind == MemslotEventKind::Removed && !is_ram(slot) &&
      slot.request.size <= kMaxChecksummedSlot && slot.request.host_addr != nullptr)
    j["fnv1a"] = hex(fnv1a32({static_cast<const std::uint8_t*>(slot.request.host_addr),
                              slot.request.size}));
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

void MemslotTrace::write(const MemslotEvent& event) {
  const std::string line = memslot_event_json(event).dump() + "\n";
  std::lock_guard lock(mutex_);
  std::fputs(line.c_str(), file_.get());
  std::fflush(file_.get());  // a crash must not lose the events that led to it
}

}  // namespace vmm
