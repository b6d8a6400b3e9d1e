#include "devices/virtio/virtqueue.h"

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "base/format.h"
#include "devices/virtio/virtqueue_layout.h"

// Memory ordering. The driver runs on a vCPU concurrently with us; the two sides follow the
// protocol of virtio 1.2 §2.7.13 and Linux's virtio_ring.c:
//
// - pop(): the driver fills descriptors and avail->ring[], issues a write barrier
//   (virtio_wmb), then stores avail->idx. We load avail->idx, then an acquire fence, then
//   read ring entries and descriptors: we never see the new index with stale entries.
// - push_used(): we write used->ring[], a release fence, then store used->idx. It pairs with
//   the driver's read barrier (virtio_rmb) between loading used->idx and reading elements.
// - should_notify(): a full fence between our used->idx store and loading used_event (or
//   avail->flags). It pairs with the driver's full barrier (virtio_mb) between writing
//   used_event and re-checking used->idx when it re-enables callbacks: at least one side
//   sees the other's store, so no interrupt is lost.
// - pop() returning Empty with EVENT_IDX: we store used->avail_event, a full fence, then
//   re-load avail->idx. It pairs with the driver's virtio_mb between storing avail->idx and
//   loading avail_event to decide whether to notify us (the same Dekker pattern).
//
// On x86-64 acquire/release fences only stop the compiler; the full fence is an mfence.
// The 16-bit indices and event fields, which the other side writes concurrently, are
// accessed through std::atomic_ref (validate() guarantees their alignment); the rest is
// read with memcpy after the fence has ordered it.

namespace vmm {

namespace {

// A chain may describe at most this many bytes in total, readable plus writable, so a
// guest cannot make a device size host allocations from a made-up length (virtio-gpu
// requests and their payloads are far below it).
constexpr std::uint64_t kMaxChainBytes = 256ull << 20;
// An indirect table may hold at most this many descriptors: the largest queue size, so an
// indirect chain is never longer than a direct chain could be (and the walk stays bounded).
constexpr std::uint32_t kMaxIndirectEntries = 32768;
constexpr std::uint32_t kMaxQueueSize = 32768;

std::uint16_t load16(std::span<std::uint8_t> ring, std::uint64_t offset) {
  auto* p = reinterpret_cast<std::uint16_t*>(ring.data() + offset);
  return std::atomic_ref<std::uint16_t>(*p).load(std::memory_order_relaxed);
}

void store16(std::span<std::uint8_t> ring, std::uint64_t offset, std::uint16_t value) {
  auto* p = reinterpret_cast<std::uint16_t*>(ring.data() + offset);
  std::atomic_ref<std::uint16_t>(*p).store(value, std::memory_order_relaxed);
}

// Collects a chain's buffers and applies the rules every descriptor obeys, direct or not.
class ChainBuilder {
 public:
  ChainBuilder(const GuestMemory& memory, DescriptorChain& chain)
      : memory_(memory), chain_(chain) {}

  std::optional<std::string> add(const virtq::Desc& desc) {
    const bool writable = (desc.flags & virtq::kDescFWrite) != 0;
    // §2.7.4.2: device-readable buffers come first; a device that accepted a mix could
    // not tell which bytes of the stream belong to which direction.
    if (!writable && seen_writable_) return "readable descriptor after a writable one";
    seen_writable_ = seen_writable_ || writable;
    // A zero-length buffer carries nothing; it is accepted and dropped, without looking at
    // its address (Linux never sends one, but nothing forbids it).
    if (desc.len == 0) return std::nullopt;
    if (!memory_.contains(desc.addr, desc.len))
      return "buffer " + hex(desc.addr) + "+" + hex(desc.len) + " is not in guest RAM";
    total_ += desc.len;  // 64-bit: cannot overflow, each step adds < 2^32 to <= the cap
    if (total_ > kMaxChainBytes)
      return "chain describes more than " + std::to_string(kMaxChainBytes >> 20) + " MiB";
    (writable ? chain_.writable : chain_.readable).push_back({desc.addr, desc.len});
    return std::nullopt;
  }

 private:
  const GuestMemory& memory_;
  DescriptorChain& chain_;
  bool seen_writable_ = false;
  std::uint64_t total_ = 0;
};

// Walks the indirect table that `desc` points at (§2.7.5.3).
std::optional<std::string> walk_indirect(const GuestMemory& memory, const virtq::Desc& desc,
                                         ChainBuilder& builder) {
  if (desc.flags & virtq::kDescFNext) return "indirect descriptor also has NEXT";
  if (desc.len == 0 || desc.len % sizeof(virtq::Desc) != 0)
    return "indirect table length " + hex(desc.len) + " is not a non-zero multiple of 16";
  const std::uint32_t entries = desc.len / sizeof(virtq::Desc);
  if (entries > kMaxIndirectEntries)
    return "indirect table of " + std::to_string(entries) + " entries is too large";
  if (!memory.contains(desc.addr, desc.len))
    return "indirect table " + hex(desc.addr) + "+" + hex(desc.len) + " is not in guest RAM";

  std::uint32_t index = 0;
  // Each entry is visited at most once unless the chain loops; `entries` visits bound it.
  for (std::uint32_t count = 1;; ++count) {
    auto entry = memory.read_obj<virtq::Desc>(desc.addr + index * sizeof(virtq::Desc));
    if (!entry) return "indirect table became unreadable";  // checked above; defensive
    if (entry->flags & virtq::kDescFIndirect) return "indirect descriptor inside a table";
    if (auto error = builder.add(*entry)) return error;
    if (!(entry->flags & virtq::kDescFNext)) return std::nullopt;
    if (count == entries) return "indirect chain longer than its table (a loop?)";
    if (entry->next >= entries)
      return "indirect next index " + std::to_string(entry->next) + " is outside the table";
    index = entry->next;
  }
}

template <typename Copy>
std::size_t copy_buffers(const std::vector<VirtqBuffer>& buffers, std::uint64_t offset,
                         std::size_t want, Copy copy) {
  std::size_t done = 0;
  for (const auto& buffer : buffers) {
    if (done == want) break;
    if (offset >= buffer.len) {
      offset -= buffer.len;
      continue;
    }
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(buffer.len - offset, want - done));
    if (!copy(buffer.addr + offset, done, n)) break;  // pop() checked it; defensive
    done += n;
    offset = 0;
  }
  return done;
}

std::uint64_t sum(const std::vector<VirtqBuffer>& buffers) {
  std::uint64_t total = 0;
  for (const auto& b : buffers) total += b.len;
  return total;
}

}  // namespace

std::uint64_t DescriptorChain::readable_bytes() const { return sum(readable); }
std::uint64_t DescriptorChain::writable_bytes() const { return sum(writable); }

std::optional<std::string> Virtqueue::validate(const GuestMemory& memory,
                                               const VirtqueueConfig& config) {
  const std::uint32_t size = config.size;
  if (size == 0 || size > kMaxQueueSize || (size & (size - 1)) != 0)
    return "queue size " + std::to_string(size) + " is not a power of two in 1..32768";
  // Alignments from §2.7 (table 2.2); they also keep the 16-bit atomics aligned.
  struct Part {
    const char* name;
    std::uint64_t addr;
    std::uint64_t align;
    std::uint64_t bytes;
  };
  const Part parts[] = {
      {"descriptor table", config.desc_addr, 16, virtq::desc_table_bytes(size)},
      {"available ring", config.avail_addr, 2, virtq::avail_ring_bytes(size)},
      {"used ring", config.used_addr, 4, virtq::used_ring_bytes(size)},
  };
  for (const auto& part : parts) {
    if (part.addr % part.align != 0)
      return std::string(part.name) + " at " + hex(part.addr) + " is not " +
             std::to_string(part.align) + "-byte aligned";
    if (!memory.contains(part.addr, part.bytes))
      return std::string(part.name) + " " + hex(part.addr) + "+" + hex(part.bytes) +
             " is not in guest RAM";
  }
  // Overlapping rings are not refused: they can only corrupt the guest's own queue, and
  // every value read from them is checked anyway.
  return std::nullopt;
}

Virtqueue::Virtqueue(const GuestMemory& memory, const VirtqueueConfig& config)
    : memory_(memory), config_(config) {
  if (auto error = validate(memory, config))
    throw std::invalid_argument("virtqueue: " + *error);
  desc_ = *memory.span(config.desc_addr, virtq::desc_table_bytes(config.size));
  avail_ = *memory.span(config.avail_addr, virtq::avail_ring_bytes(config.size));
  used_ = *memory.span(config.used_addr, virtq::used_ring_bytes(config.size));
}

std::uint16_t Virtqueue::load_avail_idx() const {
  return load16(avail_, virtq::kRingIdxOffset);
}

Virtqueue::PopResult Virtqueue::pop() {
  PopResult result;
  if (broken_) {
    result.status = PopResult::Status::BrokenQueue;
    result.error = "queue was found broken earlier";
    return result;
  }
  std::uint16_t avail_idx = load_avail_idx();
  if (avail_idx == next_avail_ && config_.event_idx) {
    store16(used_, virtq::avail_event_offset(config_.size), next_avail_);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    avail_idx = load_avail_idx();
  }
  const std::uint16_t pending = static_cast<std::uint16_t>(avail_idx - next_avail_);
  if (pending > config_.size) {
    broken_ = true;
    result.status = PopResult::Status::BrokenQueue;
    result.error = "avail idx " + std::to_string(avail_idx) + " is " +
                   std::to_string(pending) + " ahead of " + std::to_string(next_avail_) +
                   ", more than the queue size " + std::to_string(config_.size);
    return result;
  }
  if (pending == 0) return result;  // Empty
  std::atomic_thread_fence(std::memory_order_acquire);

  const std::uint16_t head =
      load16(avail_, virtq::avail_entry_offset(next_avail_ % config_.size));
  ++next_avail_;
  result.chain.head = head;
  if (auto error = walk_chain(head, result.chain)) {
    result.status = PopResult::Status::BadChain;
    result.error = "chain at head " + std::to_string(head) + ": " + *error;
    result.chain.readable.clear();
    result.chain.writable.clear();
    return result;
  }
  result.status = PopResult::Status::Chain;
  return result;
}

std::optional<std::string> Virtqueue::walk_chain(std::uint16_t head,
                                                 DescriptorChain& chain) const {
  const std::uint32_t size = config_.size;
  if (head >= size) return "head index is not below the queue size " + std::to_string(size);
  ChainBuilder builder(memory_, chain);
  std::uint16_t index = head;
  // A direct chain has at most `size` descriptors (§2.7.5.2); the count also ends loops.
  for (std::uint32_t count = 1;; ++count) {
    virtq::Desc desc;
    std::memcpy(&desc, desc_.data() + index * sizeof(virtq::Desc), sizeof desc);
    // INDIRECT without NEXT ends the chain, so a table can only come last.
    if (desc.flags & virtq::kDescFIndirect) return walk_indirect(memory_, desc, builder);
    if (auto error = builder.add(desc)) return error;
    if (!(desc.flags & virtq::kDescFNext)) return std::nullopt;
    if (count == size) return "chain longer than the queue size (a loop?)";
    if (desc.next >= size)
      return "next index " + std::to_string(desc.next) + " is not below the queue size";
    index = desc.next;
  }
}

void Virtqueue::push_used(std::uint16_t head, std::uint32_t written) {
  const virtq::UsedElem elem{head, written};
  std::memcpy(used_.data() + virtq::used_entry_offset(next_used_ % config_.size), &elem,
              sizeof elem);
  std::atomic_thread_fence(std::memory_order_release);
  ++next_used_;  // wraps at 2^16 like the ring index
  store16(used_, virtq::kRingIdxOffset, next_used_);
}

bool Virtqueue::should_notify() {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  const std::uint16_t old_idx = signalled_used_;
  const std::uint16_t new_idx = next_used_;
  signalled_used_ = new_idx;
  if (old_idx == new_idx) return false;
  if (config_.event_idx) {
    const std::uint16_t used_event = load16(avail_, virtq::used_event_offset(config_.size));
    return virtq::need_event(used_event, new_idx, old_idx);
  }
  return (load16(avail_, virtq::kRingFlagsOffset) & virtq::kAvailFNoInterrupt) == 0;
}

std::size_t read_from_chain(const GuestMemory& memory, const DescriptorChain& chain,
                            std::uint64_t offset, std::span<std::uint8_t> out) {
  return copy_buffers(chain.readable, offset, out.size(),
                      [&](std::uint64_t gpa, std::size_t at, std::size_t n) {
                        return memory.read(gpa, out.subspan(at, n));
                      });
}

std::size_t write_to_chain(const GuestMemory& memory, const DescriptorChain& chain,
                           std::uint64_t offset, std::span<const std::uint8_t> in) {
  return copy_buffers(chain.writable, offset, in.size(),
                      [&](std::uint64_t gpa, std::size_t at, std::size_t n) {
                        return memory.write(gpa, in.subspan(at, n));
                      });
}

}  // namespace vmm
