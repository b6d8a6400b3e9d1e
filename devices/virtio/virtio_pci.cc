#include "devices/virtio/virtio_pci.h"

#include <algorithm>
#include <bit>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "base/guest_log.h"
#include "devices/pci/pci_registers.h"
#include "devices/virtio/virtio_pci_registers.h"

namespace vmm {

using namespace virtio_pci;

namespace {

constexpr std::uint64_t kMaxQueueSize = 32768;
constexpr std::uint64_t kMinSharedMemorySize = 4096;

// PCI class per virtio device type (§5); types without an obvious class are "other".
std::uint32_t class_code_for(std::uint16_t device_id) {
  switch (device_id) {
    case 1: return 0x020000;   // network: ethernet
    case 2: return 0x010000;   // block: SCSI-style mass storage
    case 3: return 0x078000;   // console: other communication
    case 16: return 0x038000;  // GPU: other display
    case 18: return 0x090000;  // input: keyboard
    default: return 0xff0000;  // unassigned class
  }
}

// Where a BAR access lands: the register page and the offset within it. nullopt (and a debug
// line) when it is outside the register BAR or crosses a page, a guest's mistake: the read
// answers 0xff, the write is dropped. Reads and writes share the line's rate limit.
struct BarPlace {
  std::uint64_t page = 0;
  std::uint64_t within = 0;
};

std::optional<BarPlace> bar_place(int bar, std::uint64_t offset, std::size_t size,
                                  std::string_view access) {
  const std::uint64_t page = offset & ~(kPageSize - 1);
  const std::uint64_t within = offset - page;
  if (bar != kRegisterBar || within + size > kPageSize) {
    VMM_GUEST_LOG(spdlog::level::debug, "virtio-pci: ignored {}-byte {} at BAR {} offset {:#x}",
                  size, access, bar, offset);
    return std::nullopt;
  }
  return BarPlace{page, within};
}

const VirtioDevice& checked(const std::unique_ptr<VirtioDevice>& device) {
  if (!device) throw std::invalid_argument("virtio-pci: device is null");
  return *device;
}

std::uint16_t vector_count(const VirtioDevice& device) {
  const std::size_t queues = device.queue_max_sizes().size();
  if (queues == 0 || queues > kMaxQueues)
    throw std::invalid_argument("virtio-pci: device has " + std::to_string(queues) +
                                " queues; 1.." + std::to_string(kMaxQueues) + " are supported");
  return static_cast<std::uint16_t>(queues + 1);  // one per queue, one for config changes
}

PciIds ids_for(const VirtioDevice& device) {
  const std::uint16_t id = device.device_id();
  return PciIds{kVendorId,
                static_cast<std::uint16_t>(kDeviceIdBase + id),
                kRevision,
                class_code_for(id),
                kVendorId,
                kSubsystemId};
}

void put_le32(std::vector<std::uint8_t>& out, std::size_t at, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<std::uint8_t>(value >> (8 * i));
}

// The body (everything after cap_vndr and cap_next) of a virtio_pci_cap of `cap_len` bytes.
std::vector<std::uint8_t> virtio_cap(std::uint8_t cap_len, std::uint8_t cfg_type,
                                     std::uint8_t bar, std::uint8_t id, std::uint64_t offset,
                                     std::uint64_t length) {
  std::vector<std::uint8_t> body(cap_len - 2, 0);
  body[kCapLen - 2] = cap_len;
  body[kCapCfgType - 2] = cfg_type;
  body[kCapBar - 2] = bar;
  body[kCapId - 2] = id;
  put_le32(body, kCapOffset - 2, static_cast<std::uint32_t>(offset));
  put_le32(body, kCapLength - 2, static_cast<std::uint32_t>(length));
  if (cap_len == kCap64Size) {
    put_le32(body, kCap64OffsetHi - 2, static_cast<std::uint32_t>(offset >> 32));
    put_le32(body, kCap64LengthHi - 2, static_cast<std::uint32_t>(length >> 32));
  }
  return body;
}

bool overlaps(std::uint64_t offset, std::size_t size, std::uint64_t start, std::uint64_t length) {
  return offset < start + length && offset + size > start;
}

}  // namespace

VirtioPciDevice::VirtioPciDevice(std::unique_ptr<VirtioDevice> device, const GuestMemory& memory,
                                 MsiSender& msi)
    : PciDevice(ids_for(checked(device))),
      memory_(memory),
      msix_(vector_count(*device), msi),
      config_vector_(kNoVector),
      device_(std::move(device)) {  // last: the initialisers above still read `device`
  const auto max_sizes = device_->queue_max_sizes();
  for (std::uint16_t max : max_sizes) {
    if (!std::has_single_bit(max) || max > kMaxQueueSize)
      throw std::invalid_argument("virtio-pci: queue maximum size " + std::to_string(max) +
                                  " is not a power of two up to 32768");
    queues_.push_back(QueueRegisters{max, max, false, 0, 0, 0});
  }
  num_queues_ = static_cast<std::uint16_t>(max_sizes.size());
  queue_vectors_.assign(num_queues_, kNoVector);

  const auto regions = device_->shared_memory_regions();
  if (regions.size() > std::size(kSharedMemoryBars))
    throw std::invalid_argument("virtio-pci: at most 2 shared memory regions are supported");
  for (std::size_t i = 0; i < regions.size(); ++i) {
    if (!std::has_single_bit(regions[i].size) || regions[i].size < kMinSharedMemorySize)
      throw std::invalid_argument("virtio-pci: shared memory region " +
                                  std::to_string(regions[i].id) +
                                  " size is not a power of two of at least 4 KiB");
    shm_bars_.emplace_back(kSharedMemoryBars[i], regions[i].id);
  }

  offered_features_ = device_->device_features() | (std::uint64_t{1} << kFeatureVersion1) |
                      (std::uint64_t{1} << kFeatureIndirectDesc) |
                      (std::uint64_t{1} << kFeatureEventIdx);

  add_bar(kRegisterBar, kRegisterBarSize, PciBarType::Mem64, false, PciBarAccess::Trapped);
  for (std::size_t i = 0; i < regions.size(); ++i)
    add_bar(shm_bars_[i].first, regions[i].size, PciBarType::Mem64, true,
            PciBarAccess::DeviceMapped);
  config().set_interrupt(0, pci::kPinIntA);
  add_capabilities(regions);
}

VirtioPciDevice::~VirtioPciDevice() = default;

void VirtioPciDevice::add_capabilities(const std::vector<SharedMemoryRegionInfo>& regions) {
  PciConfigSpace& cfg = config();
  msix_.add_capability(cfg, kRegisterBar, kMsixTableOffset, kRegisterBar, kMsixPbaOffset);
  cfg.add_capability(pci::kCapIdVendor,
                     virtio_cap(kCapSize, kCfgCommon, kRegisterBar, 0, kCommonOffset, kCommonCfgSize));
  auto notify = virtio_cap(kNotifyCapSize, kCfgNotify, kRegisterBar, 0, kNotifyOffset,
                           std::uint64_t{num_queues_} * kNotifyOffMultiplier);
  put_le32(notify, kNotifyCapMultiplier - 2, kNotifyOffMultiplier);
  cfg.add_capability(pci::kCapIdVendor, notify);
  cfg.add_capability(pci::kCapIdVendor,
                     virtio_cap(kCapSize, kCfgIsr, kRegisterBar, 0, kIsrOffset, kIsrSize));
  cfg.add_capability(pci::kCapIdVendor, virtio_cap(kCapSize, kCfgDevice, kRegisterBar, 0,
                                                   kDeviceCfgOffset, kDeviceCfgSize));
  for (std::size_t i = 0; i < regions.size(); ++i)
    cfg.add_capability(pci::kCapIdVendor,
                       virtio_cap(kCap64Size, kCfgSharedMemory,
                                  static_cast<std::uint8_t>(shm_bars_[i].first), regions[i].id,
                                  0, regions[i].size));
  // The PCI configuration access capability: bar, offset, length and data are the driver's.
  pci_cfg_cap_ = cfg.add_capability(pci::kCapIdVendor,
                                    virtio_cap(kPciCfgCapSize, kCfgPci, 0, 0, 0, 0));
  cfg.set_write_mask(pci_cfg_cap_ + kCapBar, 1, 0xff);
  cfg.set_write_mask(pci_cfg_cap_ + kCapOffset, 4, 0xffffffff);
  cfg.set_write_mask(pci_cfg_cap_ + kCapLength, 4, 0xffffffff);
  cfg.set_write_mask(pci_cfg_cap_ + kPciCfgCapData, 4, 0xffffffff);
}

// --- configuration space -------------------------------------------------------------------

std::optional<VirtioPciDevice::PciCfgWindow> VirtioPciDevice::pci_cfg_window() const {
  const PciConfigSpace& cfg = config();
  const std::uint8_t bar = cfg.read8(pci_cfg_cap_ + kCapBar);
  const std::uint32_t offset = cfg.read32(pci_cfg_cap_ + kCapOffset);
  const std::uint32_t length = cfg.read32(pci_cfg_cap_ + kCapLength);
  // §4.1.4.9: length 1, 2 or 4, offset aligned to it, inside the BAR. Only the trapped
  // register BAR can be reached this way; the shared memory BARs have no registers.
  if (bar != kRegisterBar || (length != 1 && length != 2 && length != 4) ||
      offset % length != 0 || offset + std::uint64_t{length} > kRegisterBarSize) {
    VMM_GUEST_LOG(spdlog::level::debug, "virtio-pci: ignored PCI_CFG access to BAR {} offset {:#x} length {}", bar,
                  offset, length);
    return std::nullopt;
  }
  return PciCfgWindow{offset, length};
}

std::uint32_t VirtioPciDevice::config_read(std::uint16_t offset, std::size_t size) {
  if (overlaps(offset, size, pci_cfg_cap_ + kPciCfgCapData, 4)) {
    if (const auto window = pci_cfg_window()) {
      std::uint8_t buffer[4] = {};
      bar_read(kRegisterBar, window->offset, std::span(buffer, window->length));
      for (std::uint32_t i = 0; i < 4; ++i)
        config().set8(pci_cfg_cap_ + kPciCfgCapData + i, i < window->length ? buffer[i] : 0);
    }
  }
  return PciDevice::config_read(offset, size);
}

void VirtioPciDevice::config_write(std::uint16_t offset, std::size_t size, std::uint32_t value) {
  PciDevice::config_write(offset, size, value);
  msix_.config_written(config(), offset, size);
  if (overlaps(offset, size, pci_cfg_cap_ + kPciCfgCapData, 4)) {
    if (const auto window = pci_cfg_window()) {
      std::uint8_t buffer[4];
      for (std::uint32_t i = 0; i < 4; ++i)
        buffer[i] = config().read8(pci_cfg_cap_ + kPciCfgCapData + i);
      bar_write(kRegisterBar, window->offset, std::span(buffer, window->length));
    }
  }
}

// --- BAR accesses ---------------------------------------------------------------------------

void VirtioPciDevice::bar_read(int bar, std::uint64_t offset, std::span<std::uint8_t> data) {
  std::fill(data.begin(), data.end(), 0xff);
  const auto place = bar_place(bar, offset, data.size(), "read");
  if (!place) return;
  const std::uint64_t within = place->within;
  switch (place->page) {
    case kCommonOffset: {
      std::lock_guard lock(mutex_);
      common_read_locked(within, data);
      break;
    }
    case kIsrOffset:
      if (within == 0) {
        std::fill(data.begin(), data.end(), 0);
        data[0] = read_and_clear_isr();
      }
      break;
    case kDeviceCfgOffset: {
      std::lock_guard lock(mutex_);
      device_->read_config(within, data);
      break;
    }
    case kNotifyOffset:
      std::fill(data.begin(), data.end(), 0);
      break;
    case kMsixTableOffset:
      msix_.table_read(within, data);
      break;
    case kMsixPbaOffset:
      msix_.pba_read(within, data);
      break;
    default:
      break;
  }
}

void VirtioPciDevice::bar_write(int bar, std::uint64_t offset, std::span<const std::uint8_t> data) {
  const auto place = bar_place(bar, offset, data.size(), "write");
  if (!place) return;
  const std::uint64_t within = place->within;
  switch (place->page) {
    case kCommonOffset: {
      std::lock_guard lock(mutex_);
      common_write_locked(within, data);
      break;
    }
    case kDeviceCfgOffset: {
      std::lock_guard lock(mutex_);
      device_->write_config(within, data);
      break;
    }
    case kNotifyOffset: {
      std::lock_guard lock(mutex_);
      notify_locked(within);
      break;
    }
    case kMsixTableOffset:
      msix_.table_write(within, data);
      break;
    default:  // ISR and PBA are read-only
      VMM_GUEST_LOG(spdlog::level::debug, "virtio-pci: ignored write at BAR 0 offset {:#x}", offset);
      break;
  }
}

void VirtioPciDevice::on_bar_moved(int bar, std::uint64_t address) {
  for (const auto& [shm_bar, id] : shm_bars_) {
    if (shm_bar != bar) continue;
    std::lock_guard lock(mutex_);
    device_->set_shared_memory_base(id, address);
  }
}

// --- interrupts -----------------------------------------------------------------------------

void VirtioPciDevice::Interrupt::signal_used_queue(std::uint16_t queue_index) {
  std::uint16_t vector = kNoVector;
  {
    std::lock_guard lock(owner_.irq_mutex_);
    if (queue_index >= owner_.queue_vectors_.size()) return;
    vector = owner_.queue_vectors_[queue_index];
  }
  owner_.raise(vector, kIsrQueue);
}

void VirtioPciDevice::Interrupt::signal_config_change() {
  owner_.config_generation_.fetch_add(1);
  std::uint16_t vector = kNoVector;
  {
    std::lock_guard lock(owner_.irq_mutex_);
    vector = owner_.config_vector_;
  }
  owner_.raise(vector, kIsrConfig);
}

void VirtioPciDevice::raise(std::uint16_t vector, std::uint8_t isr_bit) {
  std::lock_guard lock(irq_mutex_);
  if (msix_.enabled()) {
    // With MSI-X on, a source without a vector does not interrupt (the driver polls).
    if (vector != kNoVector) msix_.trigger(vector);
    return;
  }
  isr_ |= isr_bit;
  set_intx(true);
}

std::uint8_t VirtioPciDevice::read_and_clear_isr() {
  std::lock_guard lock(irq_mutex_);
  const std::uint8_t value = isr_;
  isr_ = 0;
  set_intx(false);
  return value;
}

std::uint16_t VirtioPciDevice::checked_vector(std::uint16_t vector) const {
  // An out-of-range vector reads back as NO_VECTOR: that is how the driver learns it failed.
  return vector < msix_.vectors() ? vector : kNoVector;
}

}  // namespace vmm
