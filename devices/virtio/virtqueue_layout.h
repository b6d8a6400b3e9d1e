// The split virtqueue's guest-memory layout (virtio 1.2 §2.7), defined here as plain structs
// rather than taken from <linux/virtio_ring.h>, whose flexible arrays do not compile cleanly
// as C++. All fields are little-endian in guest RAM; x86-64 hosts read them as they are.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vmm::virtq {

// Descriptor flags (§2.7.5).
inline constexpr std::uint16_t kDescFNext = 1;      // `next` continues the chain
inline constexpr std::uint16_t kDescFWrite = 2;     // device writes this buffer
inline constexpr std::uint16_t kDescFIndirect = 4;  // buffer is a table of descriptors

// avail->flags (§2.7.7): the driver does not want used-buffer interrupts.
inline constexpr std::uint16_t kAvailFNoInterrupt = 1;
// used->flags (§2.7.10): the device does not want available-buffer notifications.
inline constexpr std::uint16_t kUsedFNoNotify = 1;

struct Desc {
  std::uint64_t addr;
  std::uint32_t len;
  std::uint16_t flags;
  std::uint16_t next;
};
static_assert(sizeof(Desc) == 16);

struct UsedElem {
  std::uint32_t id;  // head of the returned chain (32 bits on the wire, < queue size)
  std::uint32_t len;
};
static_assert(sizeof(UsedElem) == 8);

// Offsets inside the rings. The avail ring is {flags, idx, ring[size], used_event}; the
// used ring is {flags, idx, ring[size] of UsedElem, avail_event}.
inline constexpr std::uint64_t kRingFlagsOffset = 0;
inline constexpr std::uint64_t kRingIdxOffset = 2;
inline constexpr std::uint64_t kRingEntriesOffset = 4;

inline constexpr std::uint64_t desc_table_bytes(std::uint64_t size) { return 16 * size; }
inline constexpr std::uint64_t avail_ring_bytes(std::uint64_t size) { return 6 + 2 * size; }
inline constexpr std::uint64_t used_ring_bytes(std::uint64_t size) { return 6 + 8 * size; }

inline constexpr std::uint64_t avail_entry_offset(std::uint64_t i) {
  return kRingEntriesOffset + 2 * i;
}
inline constexpr std::uint64_t used_event_offset(std::uint64_t size) {
  return avail_entry_offset(size);
}
inline constexpr std::uint64_t used_entry_offset(std::uint64_t i) {
  return kRingEntriesOffset + 8 * i;
}
inline constexpr std::uint64_t avail_event_offset(std::uint64_t size) {
  return used_entry_offset(size);
}

// The event-index rule (§2.7.7.2 / §2.7.10): with the other side's event index `event`, a
// move of our index from `old_idx` to `new_idx` must be signalled iff it stepped past
// `event`, i.e. event lies in [old_idx, new_idx) modulo 2^16.
inline constexpr bool need_event(std::uint16_t event, std::uint16_t new_idx,
                                 std::uint16_t old_idx) {
  return static_cast<std::uint16_t>(new_idx - event - 1) <
         static_cast<std::uint16_t>(new_idx - old_idx);
}

}  // namespace vmm::virtq
