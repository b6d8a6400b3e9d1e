// VirtioDevice: what a virtio device type (gpu, later others) implements; the PCI transport
// (virtio_pci.h) owns feature negotiation, the status state machine, queue set-up and
// interrupts, and calls these. Everything runs on the vCPU thread that made the access.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "devices/virtio/virtqueue.h"

namespace vmm {

// How a device tells the driver it put something in a used ring or changed its config.
// The transport implements it (MSI-X vector, or INTx + ISR bits).
class VirtioInterrupt {
 public:
  virtual ~VirtioInterrupt() = default;
  virtual void signal_used_queue(std::uint16_t queue_index) = 0;
  virtual void signal_config_change() = 0;
};

// A shared memory region the device exposes (virtio 1.2 §2.10); the PCI transport puts it
// in a 64-bit prefetchable BAR and announces it with VIRTIO_PCI_CAP_SHARED_MEMORY_CFG.
struct SharedMemoryRegionInfo {
  std::uint8_t id;
  std::uint64_t size;  // power of two (it becomes a whole BAR)
};

class VirtioDevice {
 public:
  virtual ~VirtioDevice() = default;

  virtual std::uint16_t device_id() const = 0;          // 16 for GPU (virtio 1.2 §5)
  virtual std::uint64_t device_features() const = 0;    // the transport adds VERSION_1
  virtual std::vector<std::uint16_t> queue_max_sizes() const = 0;

  // Device-specific configuration space (§4.1.4.6), offsets relative to its start.
  virtual void read_config(std::uint64_t offset, std::span<std::uint8_t> data) = 0;
  virtual void write_config(std::uint64_t offset, std::span<const std::uint8_t> data) = 0;

  virtual std::vector<SharedMemoryRegionInfo> shared_memory_regions() const { return {}; }
  // The region's guest-physical base: called when its BAR is first assigned and whenever
  // the guest moves the BAR, so the device can move whatever it mapped there.
  virtual void set_shared_memory_base(std::uint8_t /*id*/, std::uint64_t /*guest_addr*/) {}

  // DRIVER_OK: queues are configured and validated (nullptr for a queue the driver did not
  // enable). The pointers stay valid until reset().
  virtual void activate(std::uint64_t negotiated_features, std::vector<Virtqueue*> queues,
                        VirtioInterrupt& interrupt) = 0;
  // The driver wrote queue_index to the notify area.
  virtual void notify_queue(std::uint16_t queue_index) = 0;
  // The driver reset the device (status 0): drop queue pointers and guest-visible state.
  virtual void reset() = 0;
};

}  // namespace vmm
