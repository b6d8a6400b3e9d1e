// Fuzzes the device half of a split virtqueue (devices/virtio/virtqueue.h) as a hostile
// driver would drive it: the input picks the queue size and ring placement, then is a
// stream of operations — write descriptors, indirect tables and arbitrary bytes anywhere in
// guest RAM, publish heads, move the avail index, pop, push_used, should_notify, copy to
// and from the last chain.
//
// Guest RAM is two ranges with a hole between them, so "inside RAM" is not one interval:
//   A = [0x0000, 0x4000)   rings (fixed layout: desc 0x0, avail 0x1000, used 0x2000)
//   B = [0x8000, 0x9000)
//
// Invariants (beside "no crash, no leak, no UB, pop() terminates"):
//  - a popped chain's buffers all lie inside one RAM range each, have a non-zero length,
//    and each is exactly a descriptor the driver wrote (in the table, or in an indirect
//    table the table points at), with the same direction;
//  - the chain claims at most 256 MiB and at most size + 32768 buffers;
//  - pop() consumes exactly one avail entry per Chain/BadChain, returns the head the driver
//    published, says Empty only when nothing is pending, BrokenQueue when the avail index
//    ran more than the queue size ahead (and from then on always);
//  - with EVENT_IDX an Empty pop leaves used->avail_event at the consumed index;
//  - every push_used advances the used index by exactly one and writes {head, written};
//  - should_notify() follows the event-index / NO_INTERRUPT rule and is false with
//    nothing pushed since the last call;
//  - read_from_chain/write_to_chain move exactly min(len, chain bytes - offset) bytes, and
//    what is read is the buffers' bytes in chain order;
//  - a configuration validate() refuses makes the constructor throw invalid_argument,
//    one it accepts puts every ring inside RAM, aligned.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "devices/virtio/virtqueue.h"
#include "devices/virtio/virtqueue_layout.h"
#include "memory/guest_memory.h"
#include "tests/fuzz/fuzz_support.h"

namespace vmm::fuzz {
namespace {

constexpr std::uint64_t kRangeA = 0x0000, kSizeA = 0x4000;
constexpr std::uint64_t kRangeB = 0x8000, kSizeB = 0x1000;
constexpr std::uint64_t kMaxChainBytes = 256ull << 20;  // virtqueue.cc's cap
constexpr std::uint64_t kMaxIndirect = 32768;

bool in_ram(std::uint64_t addr, std::uint64_t len) {
  auto inside = [&](std::uint64_t start, std::uint64_t size) {
    return addr >= start && addr - start <= size && len <= size - (addr - start);
  };
  return inside(kRangeA, kSizeA) || inside(kRangeB, kSizeB);
}

GuestMemory& ram() {
  static GuestMemory memory = GuestMemory::from_ranges(
      {{kRangeA, kSizeA, "ram-a"}, {kRangeB, kSizeB, "ram-b"}});
  return memory;
}

void clear(const GuestMemory& memory) {
  for (const RamRange& r : memory.ranges()) std::fill(r.host, r.host + r.size, 0);
}

template <typename T>
T load(const GuestMemory& memory, std::uint64_t gpa) {
  auto value = memory.read_obj<T>(gpa);
  FUZZ_CHECK(value.has_value(), "a ring field the queue validated is not readable");
  return *value;
}

// A guest address for a buffer or table: mostly inside a RAM range, sometimes in the hole
// or anywhere.
std::uint64_t pick_addr(ByteReader& in) {
  switch (in.u8() % 5) {
    case 0:
    case 1: return kRangeA + in.u16() % kSizeA;
    case 2: return kRangeB + in.u16() % kSizeB;
    case 3: return kRangeA + kSizeA + in.u16();  // the hole and beyond
    default: return in.u64();
  }
}

using Triple = std::tuple<std::uint64_t, std::uint32_t, bool>;  // addr, len, writable

// Every (addr, len, writable) a descriptor in the table, or in an indirect table a table
// entry points at, describes: a chain's buffers must come from this set.
std::set<Triple> described_buffers(const GuestMemory& memory, const VirtqueueConfig& config) {
  std::set<Triple> out;
  std::set<std::pair<std::uint64_t, std::uint32_t>> tables;  // each indirect table once
  for (std::uint32_t i = 0; i < config.size; ++i) {
    const auto d = load<virtq::Desc>(memory, config.desc_addr + 16ull * i);
    if (!(d.flags & virtq::kDescFIndirect)) {
      out.emplace(d.addr, d.len, (d.flags & virtq::kDescFWrite) != 0);
      continue;
    }
    if (d.len % 16 != 0 || !memory.contains(d.addr, d.len)) continue;
    if (!tables.emplace(d.addr, d.len).second) continue;
    for (std::uint64_t j = 0; j < d.len / 16; ++j) {
      const auto e = load<virtq::Desc>(memory, d.addr + 16 * j);
      out.emplace(e.addr, e.len, (e.flags & virtq::kDescFWrite) != 0);
    }
  }
  return out;
}

void check_chain(const GuestMemory& memory, const VirtqueueConfig& config,
                 const DescriptorChain& chain) {
  FUZZ_CHECK(chain.head < config.size, "a good chain's head is below the queue size");
  const std::set<Triple> described = described_buffers(memory, config);
  std::uint64_t total = 0;
  auto check = [&](const std::vector<VirtqBuffer>& buffers, bool writable) {
    for (const VirtqBuffer& b : buffers) {
      FUZZ_CHECK(b.len > 0, "zero-length buffers are dropped, not returned");
      FUZZ_CHECK(in_ram(b.addr, b.len), "buffer " + std::to_string(b.addr) + "+" +
                                            std::to_string(b.len) + " is not inside guest RAM");
      FUZZ_CHECK(described.count({b.addr, b.len, writable}) == 1,
                 "buffer was not described by any descriptor with that direction");
      total += b.len;
    }
  };
  check(chain.readable, false);
  check(chain.writable, true);
  FUZZ_CHECK(total <= kMaxChainBytes, "chain claims more than 256 MiB");
  FUZZ_CHECK(total == chain.readable_bytes() + chain.writable_bytes(),
             "readable_bytes()+writable_bytes() disagree with the buffers");
  FUZZ_CHECK(chain.readable.size() + chain.writable.size() <= config.size + kMaxIndirect,
             "chain has more buffers than descriptors can describe");
}

// Expected byte count of a chain copy.
std::size_t expected_copy(std::uint64_t total, std::uint64_t offset, std::size_t len) {
  if (offset >= total) return 0;
  return static_cast<std::size_t>(std::min<std::uint64_t>(len, total - offset));
}

void run(ByteReader& in) {
  GuestMemory& memory = ram();
  clear(memory);

  const std::uint8_t shape = in.u8();
  VirtqueueConfig config;
  config.size = static_cast<std::uint16_t>(1u << (shape % 9));  // 1..256
  config.event_idx = (shape & 0x80) != 0;
  if ((shape & 0x40) == 0) {
    config.desc_addr = 0x0000;
    config.avail_addr = 0x1000;
    config.used_addr = 0x2000;
  } else {  // anywhere: validate() decides
    if (shape & 0x20) config.size = static_cast<std::uint16_t>(in.u16());
    config.desc_addr = pick_addr(in);
    config.avail_addr = pick_addr(in);
    config.used_addr = pick_addr(in);
  }

  const auto problem = Virtqueue::validate(memory, config);
  if (problem) {
    FUZZ_CHECK(!problem->empty() && problem->find('\n') == std::string::npos,
               "validate()'s refusal is one non-empty line");
    const bool threw = throws<std::invalid_argument>([&] { Virtqueue refused(memory, config); });
    FUZZ_CHECK(threw, "the constructor accepted a configuration validate() refused");
    return;
  }
  const std::uint32_t size = config.size;
  FUZZ_CHECK(size >= 1 && size <= 32768 && (size & (size - 1)) == 0, "size is a power of two");
  FUZZ_CHECK(config.desc_addr % 16 == 0 && config.avail_addr % 2 == 0 && config.used_addr % 4 == 0,
             "validated rings are aligned");
  FUZZ_CHECK(in_ram(config.desc_addr, virtq::desc_table_bytes(size)) &&
                 in_ram(config.avail_addr, virtq::avail_ring_bytes(size)) &&
                 in_ram(config.used_addr, virtq::used_ring_bytes(size)),
             "validated rings lie inside guest RAM");

  Virtqueue queue(memory, config);

  // The model: what the device must have done so far.
  std::uint16_t next_avail = 0;   // avail entries consumed
  std::uint16_t used_count = 0;   // push_used calls
  std::uint16_t signalled = 0;    // used index at the last should_notify
  std::uint16_t driver_idx = 0;   // the avail index the driver last published
  bool broken = false;
  std::optional<DescriptorChain> last;
  const std::uint64_t avail_idx_at = config.avail_addr + virtq::kRingIdxOffset;
  const std::uint64_t used_idx_at = config.used_addr + virtq::kRingIdxOffset;

  for (int steps = 0; !in.done() && steps < 4096; ++steps) {
    switch (in.u8() % 8) {
      case 0: {  // pop
        const auto avail_before = load<std::uint16_t>(memory, avail_idx_at);
        auto result = queue.pop();
        using Status = Virtqueue::PopResult::Status;
        if (broken) {
          FUZZ_CHECK(result.status == Status::BrokenQueue, "a broken queue stays broken");
          break;
        }
        // With EVENT_IDX an idle pop stores avail_event and re-reads avail idx; the store may
        // land on the avail index itself when the guest made the rings overlap.
        std::uint16_t avail_idx = avail_before;
        if (config.event_idx && avail_before == next_avail)
          avail_idx = load<std::uint16_t>(memory, avail_idx_at);
        const auto pending = static_cast<std::uint16_t>(avail_idx - next_avail);
        if (pending > size) {
          FUZZ_CHECK(result.status == Status::BrokenQueue,
                     "avail idx ran " + std::to_string(pending) + " ahead of size " +
                         std::to_string(size) + " but the queue is not broken");
          FUZZ_CHECK(!result.error.empty(), "BrokenQueue says why");
          broken = true;
          break;
        }
        if (pending == 0) {
          FUZZ_CHECK(result.status == Status::Empty, "nothing pending must pop Empty");
          if (config.event_idx && avail_before == next_avail)
            FUZZ_CHECK(load<std::uint16_t>(memory, config.used_addr +
                                                       virtq::avail_event_offset(size)) ==
                           next_avail,
                       "EVENT_IDX: an Empty pop asks to be notified at the next index");
          break;
        }
        const auto published = load<std::uint16_t>(
            memory, config.avail_addr + virtq::avail_entry_offset(next_avail % size));
        ++next_avail;
        FUZZ_CHECK(result.status == Status::Chain || result.status == Status::BadChain,
                   "a pending entry pops as Chain or BadChain");
        FUZZ_CHECK(result.chain.head == published, "pop() returned another head than published");
        if (result.status == Status::BadChain) {
          FUZZ_CHECK(result.chain.readable.empty() && result.chain.writable.empty(),
                     "a bad chain carries no buffers");
          FUZZ_CHECK(!result.error.empty(), "BadChain says why");
          break;
        }
        check_chain(memory, config, result.chain);
        last = std::move(result.chain);
        break;
      }
      case 1: {  // push_used
        const std::uint16_t head = (last && in.flag()) ? last->head : in.u16();
        const std::uint32_t written = in.small_u32();
        queue.push_used(head, written);
        ++used_count;
        FUZZ_CHECK(load<std::uint16_t>(memory, used_idx_at) == used_count,
                   "used idx must advance by exactly one per push_used");
        const auto elem = load<virtq::UsedElem>(
            memory, config.used_addr + virtq::used_entry_offset((used_count - 1u) % size));
        FUZZ_CHECK(elem.id == head && elem.len == written, "used element is {head, written}");
        break;
      }
      case 2: {  // should_notify
        const std::uint16_t old_idx = signalled;
        signalled = used_count;
        const bool expected =
            old_idx == used_count
                ? false
                : config.event_idx
                      ? virtq::need_event(load<std::uint16_t>(memory, config.avail_addr +
                                                                  virtq::used_event_offset(size)),
                                          used_count, old_idx)
                      : (load<std::uint16_t>(memory, config.avail_addr) &
                         virtq::kAvailFNoInterrupt) == 0;
        FUZZ_CHECK(queue.should_notify() == expected, "should_notify() broke the notify rule");
        break;
      }
      case 3: {  // the driver scribbles on RAM
        const std::uint64_t at = in.flag() ? kRangeA + in.u16() % kSizeA : kRangeB + in.u16() % kSizeB;
        auto data = in.bytes(64);
        for (std::size_t i = 0; i < data.size(); ++i) (void)memory.write(at + i, std::span(&data[i], 1));
        break;
      }
      case 4: {  // one descriptor, in the table or in an indirect table somewhere in RAM
        virtq::Desc d{};
        d.addr = pick_addr(in);
        d.len = in.small_u32();
        if (in.u8() % 4 == 0) d.len = static_cast<std::uint32_t>(in.below(64) * 16);  // table-sized
        d.flags = static_cast<std::uint16_t>(in.u8() & 0x7);
        d.next = in.flag() ? static_cast<std::uint16_t>(in.below(size)) : in.u16();
        const std::uint64_t at = in.flag()
                                     ? config.desc_addr + 16ull * in.below(size)
                                     : pick_addr(in) & ~std::uint64_t{15};
        (void)memory.write_obj(at, d);
        break;
      }
      case 5: {  // publish a head
        const std::uint16_t head = in.flag() ? static_cast<std::uint16_t>(in.below(size)) : in.u16();
        (void)memory.write_obj(config.avail_addr + virtq::avail_entry_offset(driver_idx % size), head);
        ++driver_idx;
        (void)memory.write_obj(avail_idx_at, driver_idx);
        break;
      }
      case 6: {  // raw ring fields
        const std::uint16_t value = in.u16();
        switch (in.u8() % 3) {
          case 0: driver_idx = value; (void)memory.write_obj(avail_idx_at, value); break;
          case 1: (void)memory.write_obj(config.avail_addr, value); break;  // avail flags
          default:
            (void)memory.write_obj(config.avail_addr + virtq::used_event_offset(size), value);
        }
        break;
      }
      case 7: {  // copy through the last chain
        if (!last) break;
        const std::uint64_t offset = in.small_u64();
        const std::size_t len = in.u16() % 0x6000;
        std::vector<std::uint8_t> buffer(len);
        if (in.flag()) {
          const std::size_t n = read_from_chain(memory, *last, offset, buffer);
          FUZZ_CHECK(n == expected_copy(last->readable_bytes(), offset, len),
                     "read_from_chain moved the wrong number of bytes");
          std::vector<std::uint8_t> stream;  // the readable bytes, in chain order
          for (const VirtqBuffer& b : last->readable) {
            if (stream.size() >= offset + len) break;
            std::vector<std::uint8_t> part(b.len);
            FUZZ_CHECK(memory.read(b.addr, part), "a chain buffer is not readable");
            stream.insert(stream.end(), part.begin(), part.end());
          }
          FUZZ_CHECK(n == 0 || std::equal(buffer.begin(), buffer.begin() + n,
                                          stream.begin() + static_cast<std::ptrdiff_t>(offset)),
                     "read_from_chain returned other bytes than the buffers hold");
        } else {
          std::fill(buffer.begin(), buffer.end(), 0x5a);
          const std::size_t n = write_to_chain(memory, *last, offset, buffer);
          FUZZ_CHECK(n == expected_copy(last->writable_bytes(), offset, len),
                     "write_to_chain moved the wrong number of bytes");
        }
        break;
      }
    }
  }
}

}  // namespace
}  // namespace vmm::fuzz

VMM_FUZZ_TARGET(vmm::fuzz::run)
