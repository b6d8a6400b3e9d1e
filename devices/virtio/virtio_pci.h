// VirtioPciDevice: the virtio 1.2 PCI modern transport (§4.1) around one VirtioDevice.
//
// BAR 0 (64-bit, non-prefetchable, trapped, 32 KiB) holds, one 4 KiB page each: common
// configuration (0x0000), ISR status (0x1000), device configuration (0x2000), the notify
// area (0x3000, notify_off_multiplier 4, queue N at 0x3000 + 4 N), the MSI-X table
// (0x4000) and PBA (0x5000). MSI-X has one vector per queue plus one for config changes.
// Each shared memory region of the device gets its own 64-bit prefetchable BAR (2, then 4)
// of exactly the region's size, announced by a VIRTIO_PCI_CAP_SHARED_MEMORY_CFG capability
// (cap_len 24); its memory is the device's to map (set_shared_memory_base follows the BAR).
// A VIRTIO_PCI_CAP_PCI_CFG capability gives access to BAR 0 through configuration space.
//
// Features offered: the device's, plus VERSION_1, RING_INDIRECT_DESC and RING_EVENT_IDX
// (the Virtqueue handles both). FEATURES_OK is refused (reads back clear) unless the driver
// accepted VERSION_1 and nothing that was not offered. DRIVER_OK validates every enabled
// queue; a bad one sets DEVICE_NEEDS_RESET and signals a config change instead of
// activating the device. Writing 0 to device_status resets transport and device.
//
// Interrupts: with MSI-X enabled, the vector the driver assigned (none: no interrupt);
// otherwise the ISR bit is set and INTx asserted until the driver reads ISR.
//
// Threading: register accesses take one lock, held while the VirtioDevice runs (activate,
// notify_queue, config access, reset), so device calls are serialised. The VirtioInterrupt
// given to the device takes only a separate interrupt lock: the device may signal from its
// own calls or from any other thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "devices/pci/msi.h"
#include "devices/pci/msix.h"
#include "devices/pci/pci_device.h"
#include "devices/virtio/virtio_device.h"
#include "devices/virtio/virtqueue.h"
#include "memory/guest_memory.h"

namespace vmm {

class VirtioPciDevice : public PciDevice {
 public:
  // `memory` and `msi` must outlive this object. Throws std::invalid_argument for a null
  // device, no queue or more than 255 queues, a queue maximum that is not a power of two up
  // to 32768, more than two shared memory regions or one whose size is not a power of two
  // of at least 4 KiB.
  VirtioPciDevice(std::unique_ptr<VirtioDevice> device, const GuestMemory& memory,
                  MsiSender& msi);
  ~VirtioPciDevice() override;

  std::uint32_t config_read(std::uint16_t offset, std::size_t size) override;
  void config_write(std::uint16_t offset, std::size_t size, std::uint32_t value) override;
  void bar_read(int bar, std::uint64_t offset, std::span<std::uint8_t> data) override;
  void bar_write(int bar, std::uint64_t offset, std::span<const std::uint8_t> data) override;
  void on_bar_moved(int bar, std::uint64_t address) override;

  // For diagnostics and tests.
  std::uint8_t device_status() const;
  std::uint64_t offered_features() const { return offered_features_; }
  std::uint64_t driver_features() const;
  const MsixTable& msix() const { return msix_; }

 private:
  class Interrupt : public VirtioInterrupt {
   public:
    explicit Interrupt(VirtioPciDevice& owner) : owner_(owner) {}
    void signal_used_queue(std::uint16_t queue_index) override;
    void signal_config_change() override;

   private:
    VirtioPciDevice& owner_;
  };

  struct QueueRegisters {
    std::uint16_t max_size = 0;
    std::uint16_t size = 0;
    bool enabled = false;
    std::uint64_t desc = 0;
    std::uint64_t driver = 0;
    std::uint64_t device = 0;
  };

  // Interrupt delivery (irq_mutex_).
  void raise(std::uint16_t vector, std::uint8_t isr_bit);
  std::uint8_t read_and_clear_isr();
  std::uint16_t checked_vector(std::uint16_t vector) const;

  // Common configuration (mutex_ held).
  void common_read_locked(std::uint64_t offset, std::span<std::uint8_t> data);
  void common_write_locked(std::uint64_t offset, std::span<const std::uint8_t> data);
  void queue_write_locked(QueueRegisters& queue, std::uint64_t offset, std::size_t size,
                          std::uint64_t value);
  void write_status_locked(std::uint8_t value);
  bool features_acceptable_locked() const;
  void activate_locked();
  void reset_locked();
  void notify_locked(std::uint64_t offset);

  // VIRTIO_PCI_CAP_PCI_CFG window.
  struct PciCfgWindow {
    std::uint64_t offset;
    std::uint32_t length;
  };
  std::optional<PciCfgWindow> pci_cfg_window() const;

  void add_capabilities(const std::vector<SharedMemoryRegionInfo>& regions);

  const GuestMemory& memory_;
  MsixTable msix_;
  Interrupt interrupt_{*this};
  std::uint64_t offered_features_ = 0;
  std::uint16_t num_queues_ = 0;
  std::vector<std::pair<int, std::uint8_t>> shm_bars_;  // BAR index, region id
  std::uint8_t pci_cfg_cap_ = 0;

  mutable std::mutex mutex_;  // transport registers and device calls
  std::uint32_t device_feature_select_ = 0;
  std::uint32_t driver_feature_select_ = 0;
  std::uint64_t driver_features_ = 0;
  std::uint8_t status_ = 0;
  std::uint16_t queue_select_ = 0;
  std::vector<QueueRegisters> queues_;
  std::vector<std::unique_ptr<Virtqueue>> live_queues_;  // from DRIVER_OK to reset
  bool activated_ = false;
  std::atomic<std::uint8_t> config_generation_ = 0;

  mutable std::mutex irq_mutex_;  // taken after mutex_, never before
  std::uint16_t config_vector_;
  std::vector<std::uint16_t> queue_vectors_;
  std::uint8_t isr_ = 0;

  // Declared last so it is destroyed first: a device with worker threads stops them before
  // the queues and the interrupt object it uses go away.
  std::unique_ptr<VirtioDevice> device_;
};

}  // namespace vmm
