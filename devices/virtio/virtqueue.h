// Virtqueue: the device side of one virtio 1.2 split virtqueue (spec §2.7) in guest RAM.
//
// Every value read from the guest is checked: ring addresses and sizes, descriptor indices,
// chain length (a loop cannot hang the VMM), buffer addresses and lengths (must lie in RAM,
// totals must not overflow), indirect tables (§2.7.5.3: one level only, size a multiple of
// 16, not combined with NEXT). A malformed chain is reported as an error value carrying its
// head index, so the device can still return it to the guest with zero length and keep the
// queue moving. Used-ring updates are ordered with release fences so the guest never sees an
// index before the element it covers; notification suppression honours both
// VRING_AVAIL_F_NO_INTERRUPT and VIRTIO_F_EVENT_IDX (used_event).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "memory/guest_memory.h"

namespace vmm {

// One guest buffer of a chain, already checked to lie inside guest RAM.
struct VirtqBuffer {
  std::uint64_t addr;
  std::uint32_t len;
};

struct DescriptorChain {
  std::uint16_t head = 0;                // give this back to push_used()
  std::vector<VirtqBuffer> readable;     // driver -> device, in chain order
  std::vector<VirtqBuffer> writable;     // device -> driver, in chain order
  std::uint64_t readable_bytes() const;
  std::uint64_t writable_bytes() const;
};

struct VirtqueueConfig {
  std::uint16_t size = 0;  // power of two, 1..32768
  std::uint64_t desc_addr = 0;
  std::uint64_t avail_addr = 0;
  std::uint64_t used_addr = 0;
  bool event_idx = false;  // VIRTIO_F_EVENT_IDX negotiated
};

class Virtqueue {
 public:
  // nullopt when the configuration is usable; otherwise one line saying what is wrong
  // (size not a power of two, a ring not in RAM or misaligned).
  static std::optional<std::string> validate(const GuestMemory& memory,
                                             const VirtqueueConfig& config);

  // `config` must have passed validate(); otherwise this throws std::invalid_argument.
  Virtqueue(const GuestMemory& memory, const VirtqueueConfig& config);

  struct PopResult {
    enum class Status { Empty, Chain, BadChain, BrokenQueue } status = Status::Empty;
    DescriptorChain chain;  // Chain; for BadChain only `head` is meaningful
    std::string error;      // BadChain / BrokenQueue: one line for the log
  };
  // Takes the next available chain. BrokenQueue means the avail ring itself is corrupt
  // (its index moved by more than the queue size): stop using this queue (it stays broken).
  // BadChain has consumed the avail entry; answer it with push_used(head, 0). Its head may
  // be out of range if that was the fault (the driver gets back what it gave). With
  // EVENT_IDX, an Empty result has first asked the driver (used->avail_event) to notify on
  // the next buffer, so a device that pops until Empty never misses one.
  // Limits: see kMaxChainBytes and kMaxIndirectEntries in virtqueue.cc.
  PopResult pop();

  // Returns a chain to the driver with `written` bytes in its writable buffers.
  void push_used(std::uint16_t head, std::uint32_t written);

  // After push_used(): whether the driver asked to be interrupted for what was pushed since
  // the last call (EVENT_IDX's used_event, or the avail ring's NO_INTERRUPT flag). False
  // when nothing was pushed since the last call.
  bool should_notify();

  const VirtqueueConfig& config() const { return config_; }

 private:
  std::optional<std::string> walk_chain(std::uint16_t head, DescriptorChain& chain) const;
  std::uint16_t load_avail_idx() const;

  const GuestMemory& memory_;
  VirtqueueConfig config_;
  // Host views of the three rings, taken once from `memory_` after validate(); guest RAM
  // stays mapped for the GuestMemory's lifetime, which must exceed this queue's.
  std::span<std::uint8_t> desc_;
  std::span<std::uint8_t> avail_;
  std::span<std::uint8_t> used_;
  std::uint16_t next_avail_ = 0;       // the device's shadow of how far it has consumed
  std::uint16_t next_used_ = 0;        // the used index the device will publish next
  std::uint16_t signalled_used_ = 0;   // used index at the last should_notify() call
  bool broken_ = false;                // BrokenQueue seen: every later pop() says so too
};

// Copying between a chain's buffers and host memory, as one contiguous stream each way:
// read_from_chain reads the readable (driver -> device) buffers, write_to_chain fills the
// writable ones, both starting `offset` bytes into that stream. They stop at the end of the
// chain; the return value says how many bytes moved.
std::size_t read_from_chain(const GuestMemory& memory, const DescriptorChain& chain,
                            std::uint64_t offset, std::span<std::uint8_t> out);
std::size_t write_to_chain(const GuestMemory& memory, const DescriptorChain& chain,
                           std::uint64_t offset, std::span<const std::uint8_t> in);

}  // namespace vmm
