// FakeMemoryMapper: a MemoryMapper that records every map/unmap/move request, keeps the
// live slots the way a MemslotTable would (with their leases: held until a removal succeeds),
// and can be told to refuse the next call.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "memory/memory_mapper.h"

namespace vmm::test {

class FakeMemoryMapper : public MemoryMapper {
 public:
  struct Call {
    enum Kind { Map, Unmap, Move, Refused } kind;
    std::uint32_t slot = 0;
    MemslotRequest request;       // Map: what was asked
    std::uint64_t new_guest_addr = 0;  // Move
  };

  MemslotResult map(const MemslotRequest& request, HostMemoryLease lease = {}) override {
    calls.push_back({Call::Map, next_slot, request, 0});
    if (!refuse_next_map.empty()) return refuse(refuse_next_map);
    live[next_slot] = request;
    if (lease) leases[next_slot] = std::move(lease);
    return {true, next_slot++, {}};
  }

  MemslotResult unmap(std::uint32_t slot) override {
    calls.push_back({Call::Unmap, slot, {}, 0});
    if (!refuse_next_unmap.empty()) return refuse(refuse_next_unmap);
    // As MemslotTable reads a device slot's memory at its removal (its FNV-1a in the trace):
    // memory freed before its slot is removed faults here, or ASan reports it.
    if (read_at_unmap)
      if (auto it = live.find(slot); it != live.end() && it->second.host_addr != nullptr)
        for (std::uint64_t at = 0; at < it->second.size; at += 4096)
          read_sum += static_cast<const volatile std::uint8_t*>(it->second.host_addr)[at];
    if (live.erase(slot) == 0) return {false, 0, "no slot " + std::to_string(slot)};
    leases.erase(slot);
    return {true, slot, {}};
  }

  MemslotResult move(std::uint32_t slot, std::uint64_t new_guest_addr) override {
    calls.push_back({Call::Move, slot, {}, new_guest_addr});
    auto it = live.find(slot);
    if (it == live.end()) return {false, 0, "no slot " + std::to_string(slot)};
    it->second.guest_addr = new_guest_addr;
    return {true, slot, {}};
  }

  void refused(const MemslotRequest& request, std::uint32_t slot, const std::string& why) override {
    calls.push_back({Call::Refused, slot, request, 0});
    refusals.push_back(why);
  }

  std::vector<Call> calls_of(Call::Kind kind) const {
    std::vector<Call> out;
    for (const auto& call : calls)
      if (call.kind == kind) out.push_back(call);
    return out;
  }

  std::vector<Call> calls;
  std::vector<std::string> refusals;
  std::map<std::uint32_t, MemslotRequest> live;
  std::map<std::uint32_t, HostMemoryLease> leases;  // of live slots mapped with one
  std::string refuse_next_map;  // non-empty: the next map fails with this message
  std::string refuse_next_unmap;
  bool read_at_unmap = false;
  std::uint64_t read_sum = 0;

 private:
  static MemslotResult refuse(std::string& message) {
    MemslotResult result{false, 0, message};
    message.clear();
    return result;
  }

  std::uint32_t next_slot = 10;
};

}  // namespace vmm::test
