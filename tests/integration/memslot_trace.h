// vmm's --memslot-trace FILE, read back: one JSON object per line, one line per memslot
// event, in the order they happened. Fields relied on (vmm/memslot_trace.cc writes them):
//   "event"       "add" | "remove" | "move" | "refuse" | "install" (a slot added pending
//                 reached KVM at the guest's first touch) | "derive" (a derived memory type)
//   "slot"        KVM slot number (numbers are reused after a remove)
//   "guest_addr"  "0x..." (a JSON number is accepted too), likewise "size"
//   "owner"       "ram-low", "ram-high", "gpu-blob <id>", ...
//   "requested"   "CacheCoherent" | "CacheNonCoherent"
//   "applied"     what KVM was told, spelled out
//   "fnv1a"       "0x..." FNV-1a-32 of the slot's host memory, on removals of non-RAM slots
//   "old_guest_addr"  on moves
// Anything else on a line is kept in `json` for the curious.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace vmm::test {

struct TraceEvent {
  std::size_t line = 0;  // 1-based line number in the file
  std::string event;
  std::uint32_t slot = 0;
  std::uint64_t guest_addr = 0;
  std::uint64_t size = 0;
  std::string owner;
  std::string requested;
  std::string applied;
  std::optional<std::uint32_t> fnv1a;
  std::optional<std::uint64_t> old_guest_addr;
  nlohmann::json json;

  std::uint64_t end() const { return guest_addr + size; }
  bool is_ram() const { return owner.starts_with("ram-"); }
  bool is_gpu_blob() const { return owner.starts_with("gpu-blob"); }
  // One line for failure messages.
  std::string describe() const;
};

struct MemslotTraceFile {
  std::vector<TraceEvent> events;
  std::vector<std::string> errors;  // "line N: why" for lines that did not parse
};

MemslotTraceFile parse_memslot_trace(std::string_view text);
// Reads and parses `path`; a missing file is one error.
MemslotTraceFile read_memslot_trace(const std::string& path);

// One slot from its add to its remove (if any), with the moves in between. Slots are
// matched by number: a remove closes the latest open add of the same slot.
struct SlotLifetime {
  TraceEvent add;
  std::vector<TraceEvent> moves;
  std::optional<TraceEvent> remove;
  std::optional<TraceEvent> install;  // for a slot added pending ("pending": "first touch")
  std::vector<TraceEvent> derives;
};

// Lifetimes in the order the slots were added; `errors` gets events that fit no lifetime
// (a remove or move of a slot that is not live, an add of a slot that is).
std::vector<SlotLifetime> slot_lifetimes(const MemslotTraceFile& trace,
                                         std::vector<std::string>* errors);

// "0x1f" or "31" (as a JSON string or number) -> 31; nullopt otherwise.
std::optional<std::uint64_t> trace_number(const nlohmann::json& v);

}  // namespace vmm::test
