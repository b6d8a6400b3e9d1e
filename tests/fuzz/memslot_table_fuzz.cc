// Fuzzes MemslotTable (memory/memslot_table.h) over the unit tests' FakeMemslotBackend
// (tests/unit/memory/fake_memslot_backend.h) under random map / move / unmap / refused
// calls, with the backend told to fail now and then, against a model of the table's
// documented rules written here.
//
// Input: the slot limit (1..64), then operations. Addresses and sizes are mostly whole
// pages in a small 1 MiB space (so overlaps are common), sometimes anything (unaligned,
// zero, wrapping past 2^64); requests sometimes have no host mapping.
//
// Invariants after every operation:
//  - map/move/unmap succeed exactly when the model says (host mapping present, non-zero,
//    page-aligned, no wrap, no overlap with another live slot, a free number below the
//    limit, the backend willing); a successful map gets the lowest free slot number;
//  - a refused request leaves the table exactly as it was (slots, addresses, applied
//    flags) and emits no event; a successful one emits exactly one event of its kind;
//  - live slots never overlap, are page-aligned and non-empty, have unique numbers below
//    the limit, and slots() lists them sorted by address;
//  - the table agrees with the backend's view (which slots exist, at which address) and
//    with find().
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "memory/memslot_table.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/unit/memory/fake_memslot_backend.h"

namespace vmm::fuzz {
namespace {

using u128 = unsigned __int128;
constexpr std::uint64_t kPage = 4096;

struct Live {
  std::uint64_t addr;
  std::uint64_t size;
};

bool overlaps(std::uint64_t a, std::uint64_t a_size, std::uint64_t b, std::uint64_t b_size) {
  return u128{a} < u128{b} + b_size && u128{b} < u128{a} + a_size;
}

bool range_ok(const std::map<std::uint32_t, Live>& live, std::uint64_t addr, std::uint64_t size,
              std::optional<std::uint32_t> ignore) {
  if (size == 0 || addr % kPage != 0 || size % kPage != 0) return false;
  if (u128{addr} + size > (u128{1} << 64)) return false;  // wraps
  if (u128{addr} + size == (u128{1} << 64)) return false;  // end not representable: wraps too
  for (const auto& [slot, l] : live)
    if (slot != ignore && overlaps(addr, size, l.addr, l.size)) return false;
  return true;
}

std::optional<std::uint32_t> lowest_free(const std::map<std::uint32_t, Live>& live, std::uint32_t limit) {
  for (std::uint32_t n = 0; n < limit; ++n)
    if (!live.count(n)) return n;
  return std::nullopt;
}

std::uint64_t pick_addr(ByteReader& in) {
  switch (in.u8() % 8) {
    case 0: return in.u64();
    case 1: return ~0ull - kPage * (in.u8() % 4) + 1 - kPage;  // near the top
    case 2: return std::uint64_t{in.u16()};                      // unaligned
    default: return std::uint64_t{in.u8()} * kPage;              // 1 MiB of pages
  }
}

std::uint64_t pick_size(ByteReader& in) {
  switch (in.u8() % 8) {
    case 0: return in.u64();
    case 1: return in.u16();
    case 2: return 0;
    default: return (1 + std::uint64_t{in.u8() % 16u}) * kPage;
  }
}

// What the table shows, for comparing before and after a refused call.
std::vector<std::tuple<std::uint32_t, std::uint64_t, std::uint64_t, std::uint32_t, std::string>>
view(const MemslotTable& table) {
  std::vector<std::tuple<std::uint32_t, std::uint64_t, std::uint64_t, std::uint32_t, std::string>> out;
  for (const Memslot& s : table.slots())
    out.emplace_back(s.slot, s.request.guest_addr, s.request.size, s.applied.kvm_flags, s.request.owner);
  return out;
}

void run(ByteReader& in) {
  const std::uint32_t limit = 1 + in.u8() % 64;
  testing::FakeMemslotBackend backend(limit);
  MemslotTable table(backend);
  std::vector<MemslotEvent> events;
  table.subscribe([&](const MemslotEvent& e) { events.push_back(e); });

  std::map<std::uint32_t, Live> model;
  std::uint8_t host_memory = 0;  // any non-null address will do: the fake never touches it

  for (int steps = 0; !in.done() && steps < 2048; ++steps) {
    const auto before = view(table);
    const std::size_t events_before = events.size();
    const std::uint8_t op = in.u8();
    if (op & 0x80) backend.fail_next_install = in.u8() % 4 == 0 ? 22 : 0;  // EINVAL
    if (op & 0x40) backend.fail_next_uninstall = in.u8() % 4 == 0 ? 16 : 0;  // EBUSY
    const bool install_fails = backend.fail_next_install != 0;
    const bool uninstall_fails = backend.fail_next_uninstall != 0;

    MemslotResult result;
    bool expect_ok = false;
    bool recorded_refusal = false;  // refused(): checked on the spot, no result
    MemslotEventKind kind = MemslotEventKind::Added;
    switch (op % 4) {
      case 0:
      case 1: {  // map
        MemslotRequest request;
        request.guest_addr = pick_addr(in);
        request.size = pick_size(in);
        request.host_addr = (in.u8() % 16 == 0) ? nullptr : &host_memory;
        request.read_only = in.flag();
        request.owner = "fuzz-" + std::to_string(steps);
        const auto free = lowest_free(model, limit);
        expect_ok = request.host_addr != nullptr &&
                    range_ok(model, request.guest_addr, request.size, std::nullopt) && free &&
                    !install_fails;
        result = table.map(request);
        if (expect_ok) {
          FUZZ_CHECK(result.ok && result.slot == *free, "map did not take the lowest free slot");
          model[result.slot] = {request.guest_addr, request.size};
          const auto found = table.find(result.slot);
          FUZZ_CHECK(found && found->request.owner == request.owner &&
                         found->applied.kvm_flags == (request.read_only ? 1u : 0u),
                     "the slot does not hold what was requested and applied");
        }
        kind = MemslotEventKind::Added;
        break;
      }
      case 2: {  // move
        const std::uint32_t slot = in.u8() % (limit + 2);
        const std::uint64_t to = pick_addr(in);
        const auto it = model.find(slot);
        expect_ok = it != model.end() && range_ok(model, to, it->second.size, slot) && !install_fails;
        result = table.move(slot, to);
        if (expect_ok) {
          FUZZ_CHECK(result.ok && result.slot == slot, "move answered another slot");
          FUZZ_CHECK(events.size() == events_before + 1 && events.back().old_guest_addr == it->second.addr,
                     "a move event without the old address");
          it->second.addr = to;
        }
        kind = MemslotEventKind::Moved;
        break;
      }
      default: {  // unmap, or a refusal recorded by a device
        const std::uint32_t slot = in.u8() % (limit + 2);
        if (in.u8() % 8 == 0) {
          MemslotRequest request;
          request.guest_addr = pick_addr(in);
          request.size = pick_size(in);
          request.owner = "refused";
          table.refused(request, slot, "fuzz");
          FUZZ_CHECK(view(table) == before, "refused() changed the table");
          FUZZ_CHECK(events.size() == events_before + 1 && events.back().kind == MemslotEventKind::Refused,
                     "refused() did not emit exactly one refuse event");
          recorded_refusal = true;
          break;
        }
        expect_ok = model.count(slot) == 1 && !uninstall_fails;
        result = table.unmap(slot);
        if (expect_ok) {
          FUZZ_CHECK(result.ok && result.slot == slot, "unmap answered another slot");
          model.erase(slot);
        }
        kind = MemslotEventKind::Removed;
        break;
      }
    }
    if (!recorded_refusal) {
      FUZZ_CHECK(result.ok == expect_ok,
                 std::string("the table ") + (result.ok ? "accepted" : "refused") +
                     " what the model " + (expect_ok ? "accepts" : "refuses") + ": " + result.error);
      if (result.ok) {
        FUZZ_CHECK(events.size() == events_before + 1 && events.back().kind == kind &&
                       events.back().slot.slot == result.slot,
                   "a successful change did not emit exactly one event of its kind");
      } else {
        FUZZ_CHECK(!result.error.empty() && result.error.find('\n') == std::string::npos,
                   "a refusal is one non-empty line");
        FUZZ_CHECK(view(table) == before, "a refused request changed the table");
        FUZZ_CHECK(events.size() == events_before, "a refused request emitted an event");
      }
    }
    // An injected failure the table never reached the backend with does not carry over.
    backend.fail_next_install = 0;
    backend.fail_next_uninstall = 0;

    const auto slots = table.slots();
    FUZZ_CHECK(slots.size() == model.size(), "the table holds another number of slots than the model");
    FUZZ_CHECK(backend.installed.size() == slots.size(), "the backend holds another number of slots");
    for (std::size_t i = 0; i < slots.size(); ++i) {
      const Memslot& s = slots[i];
      FUZZ_CHECK(s.slot < limit, "slot number beyond the limit");
      const auto m = model.find(s.slot);
      FUZZ_CHECK(m != model.end() && m->second.addr == s.request.guest_addr &&
                     m->second.size == s.request.size,
                 "slot " + std::to_string(s.slot) + " is not where the model has it");
      const auto b = backend.installed.find(s.slot);
      FUZZ_CHECK(b != backend.installed.end() && b->second == s.request.guest_addr,
                 "the backend has slot " + std::to_string(s.slot) + " elsewhere");
      FUZZ_CHECK(s.request.size > 0 && s.request.size % kPage == 0 && s.request.guest_addr % kPage == 0,
                 "a live slot is empty or unaligned");
      if (i > 0) {
        FUZZ_CHECK(slots[i - 1].request.guest_addr < s.request.guest_addr, "slots() is not sorted");
        FUZZ_CHECK(u128{slots[i - 1].request.guest_addr} + slots[i - 1].request.size <= s.request.guest_addr,
                   "two live slots overlap");
      }
    }
  }
}

}  // namespace
}  // namespace vmm::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  vmm::fuzz::ByteReader in(data, size);
  vmm::fuzz::run(in);
  return 0;
}
