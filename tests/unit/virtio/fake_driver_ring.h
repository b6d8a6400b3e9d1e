// FakeDriverRing: the driver's half of one split virtqueue, for unit tests of the device
// half (Virtqueue) and of devices built on it. It lays out the three rings in a GuestMemory,
// places buffers in guest RAM, writes descriptors and the avail ring the way Linux's
// virtio_ring.c does, and reads back the used ring.
//
// Typical device test:
//   auto mem = GuestMemory::from_ranges({{0, 1 << 20, "ram"}});
//   FakeDriverRing ring(mem, {.size = 8});
//   Virtqueue queue(mem, ring.config());
//   auto added = ring.add_chain({FakeBuffer::readable_obj(request),
//                                FakeBuffer::writable(sizeof(Response))});
//   device.notify_queue(0);                       // or queue.pop() directly
//   auto used = ring.take_used();                 // {id == added.head, len == bytes written}
//   auto response = ring.read_obj<Response>(added.addrs[1]);
//
// Layout: descriptor table at `ring_base` (page-aligned), avail ring right after it, used
// ring on the next page boundary. Buffers come from the next page on, up to the end of the
// RAM range holding `ring_base` (or `data_size` bytes), handed out in order and reused from
// the start when that runs out: do not keep a buffer across that much later allocation.
// Descriptors are taken in order modulo the queue size, without a free list: keep fewer
// than `size` descriptors outstanding. Writable buffers are filled with kPoison, so a test
// can tell which bytes the device wrote. Indices start at 0, like a freshly reset queue.
// Every write the fake makes must land in RAM; if not it throws std::logic_error.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "devices/virtio/virtqueue.h"
#include "devices/virtio/virtqueue_layout.h"
#include "memory/guest_memory.h"

namespace vmm::test {

// One buffer of a chain added by FakeDriverRing::add_chain().
struct FakeBuffer {
  std::vector<std::uint8_t> bytes;  // readable: its contents
  std::uint32_t len = 0;            // the descriptor's length (bytes.size() if readable)
  bool write = false;               // VIRTQ_DESC_F_WRITE: the device fills it

  static FakeBuffer readable(std::span<const std::uint8_t> contents);
  template <typename T>
  static FakeBuffer readable_obj(const T& value) {
    return readable(std::span(reinterpret_cast<const std::uint8_t*>(&value), sizeof(T)));
  }
  static FakeBuffer writable(std::uint32_t len);
};

class FakeDriverRing {
 public:
  static constexpr std::uint8_t kPoison = 0xcc;

  struct Options {
    std::uint16_t size = 16;
    std::uint64_t ring_base = 0x1000;
    bool event_idx = false;
    // Bytes of buffer space after the rings; 0: up to the end of ring_base's RAM range.
    // Set it when two rings share one range, so neither hands out the other's memory.
    std::uint64_t data_size = 0;
  };
  FakeDriverRing(const GuestMemory& memory, Options options);

  // What the driver would write to the transport's queue registers.
  const VirtqueueConfig& config() const { return config_; }

  struct Added {
    std::uint16_t head;                // the chain's head descriptor (== used element id)
    std::vector<std::uint64_t> addrs;  // guest address of each buffer, in the given order
  };
  // Places `buffers` in guest RAM, describes them with a chain of descriptors (or, with
  // `indirect`, with one table of them referenced by a single INDIRECT descriptor), puts
  // the head in the avail ring and publishes the new avail idx.
  Added add_chain(const std::vector<FakeBuffer>& buffers, bool indirect = false);

  // Building blocks for hand-made (hostile) chains.
  std::uint64_t alloc(std::uint64_t len, std::uint64_t align = 16);  // guest data area
  std::uint64_t data_begin() const { return data_begin_; }
  std::uint64_t data_end() const { return data_end_; }
  void write_desc(std::uint16_t index, const virtq::Desc& desc);     // index < size
  void write_table(std::uint64_t gpa, const std::vector<virtq::Desc>& table);  // indirect
  void publish(std::uint16_t head);  // avail->ring[idx % size] = head; then ++avail idx

  // Raw ring fields, for index and notification tests.
  std::uint16_t avail_idx() const;
  void set_avail_idx(std::uint16_t idx);
  void set_avail_flags(std::uint16_t flags);  // e.g. virtq::kAvailFNoInterrupt
  void set_used_event(std::uint16_t idx);     // EVENT_IDX: interrupt me after used idx
  std::uint16_t avail_event() const;          // EVENT_IDX: the device's wish
  std::uint16_t used_idx() const;

  // The next used element the driver has not taken yet, like virtqueue_get_buf().
  std::optional<virtq::UsedElem> take_used();

  std::vector<std::uint8_t> read(std::uint64_t gpa, std::size_t len) const;
  template <typename T>
  T read_obj(std::uint64_t gpa) const {
    return memory_.read_obj<T>(gpa).value();
  }

 private:
  std::uint16_t next_desc();

  const GuestMemory& memory_;
  VirtqueueConfig config_;
  std::uint64_t data_begin_ = 0;
  std::uint64_t data_end_ = 0;
  std::uint64_t data_next_ = 0;
  std::uint16_t next_desc_ = 0;
  std::uint16_t last_used_ = 0;
};

}  // namespace vmm::test
