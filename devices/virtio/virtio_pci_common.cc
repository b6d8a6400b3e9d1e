// VirtioPciDevice: the common configuration structure (§4.1.4.3) and the device status
// state machine (§2.1, §3.1).
#include <algorithm>

#include <bit>
#include <cstring>

#include <spdlog/spdlog.h>

#include "base/guest_log.h"
#include "devices/virtio/virtio_pci.h"
#include "devices/virtio/virtio_pci_registers.h"

namespace vmm {

using namespace virtio_pci;

namespace {

template <typename T>
void put(std::uint8_t* image, std::uint64_t offset, T value) {
  std::memcpy(image + offset, &value, sizeof(T));  // x86 is little-endian, like virtio
}

std::uint64_t little_endian(std::span<const std::uint8_t> data) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < data.size() && i < 8; ++i) value |= std::uint64_t{data[i]} << (8 * i);
  return value;
}

// Updates the 32-bit half of a 64-bit register that a 4-byte write at `half_offset` hits,
// or the whole register for an 8-byte write at its start.
bool write_address(std::uint64_t& reg, std::uint64_t reg_offset, std::uint64_t offset,
                   std::size_t size, std::uint64_t value) {
  if (offset == reg_offset && size == 8) {
    reg = value;
  } else if (offset == reg_offset && size == 4) {
    reg = (reg & 0xffffffff00000000ull) | (value & 0xffffffffull);
  } else if (offset == reg_offset + 4 && size == 4) {
    reg = (reg & 0xffffffffull) | (value << 32);
  } else {
    return false;
  }
  return true;
}

}  // namespace

void VirtioPciDevice::common_read_locked(std::uint64_t offset, std::span<std::uint8_t> data) {
  // Build the structure as the driver would see it now, then copy the bytes asked for:
  // any width at any offset reads consistently, and reads have no side effects.
  std::uint8_t image[kCommonCfgSize] = {};
  std::uint32_t device_feature = 0;
  if (device_feature_select_ < 2)
    device_feature = static_cast<std::uint32_t>(offered_features_ >> (32 * device_feature_select_));
  std::uint32_t driver_feature = 0;
  if (driver_feature_select_ < 2)
    driver_feature = static_cast<std::uint32_t>(driver_features_ >> (32 * driver_feature_select_));
  put<std::uint32_t>(image, kDeviceFeatureSelect, device_feature_select_);
  put<std::uint32_t>(image, kDeviceFeature, device_feature);
  put<std::uint32_t>(image, kDriverFeatureSelect, driver_feature_select_);
  put<std::uint32_t>(image, kDriverFeature, driver_feature);
  put<std::uint16_t>(image, kNumQueues, num_queues_);
  put<std::uint8_t>(image, kDeviceStatus, status_);
  put<std::uint8_t>(image, kConfigGeneration, config_generation_.load());
  put<std::uint16_t>(image, kQueueSelect, queue_select_);
  {
    std::lock_guard lock(irq_mutex_);
    put<std::uint16_t>(image, kConfigMsixVector, config_vector_);
    put<std::uint16_t>(image, kQueueMsixVector,
                       queue_select_ < num_queues_ ? queue_vectors_[queue_select_] : kNoVector);
  }
  // A selected queue that does not exist reads size 0 (§4.1.4.3.2).
  if (queue_select_ < num_queues_) {
    const QueueRegisters& queue = queues_[queue_select_];
    put<std::uint16_t>(image, kQueueSize, queue.size);
    put<std::uint16_t>(image, kQueueEnable, queue.enabled ? 1 : 0);
    put<std::uint16_t>(image, kQueueNotifyOff, queue_select_);
    put<std::uint64_t>(image, kQueueDesc, queue.desc);
    put<std::uint64_t>(image, kQueueDriver, queue.driver);
    put<std::uint64_t>(image, kQueueDevice, queue.device);
  }
  for (std::size_t i = 0; i < data.size(); ++i)
    data[i] = offset + i < kCommonCfgSize ? image[offset + i] : 0xff;
}

void VirtioPciDevice::common_write_locked(std::uint64_t offset, std::span<const std::uint8_t> data) {
  const std::size_t size = data.size();
  const std::uint64_t value = little_endian(data);
  auto is = [&](std::uint64_t field, std::size_t width) { return offset == field && size == width; };

  if (is(kDeviceFeatureSelect, 4)) {
    device_feature_select_ = static_cast<std::uint32_t>(value);
  } else if (is(kDriverFeatureSelect, 4)) {
    driver_feature_select_ = static_cast<std::uint32_t>(value);
  } else if (is(kDriverFeature, 4)) {
    // Features are fixed once FEATURES_OK was accepted (§3.1.1); only two words exist.
    if (!(status_ & kStatusFeaturesOk) && driver_feature_select_ < 2) {
      const unsigned shift = 32 * driver_feature_select_;
      driver_features_ = (driver_features_ & ~(0xffffffffull << shift)) | (value << shift);
    }
  } else if (is(kConfigMsixVector, 2)) {
    std::lock_guard lock(irq_mutex_);
    config_vector_ = checked_vector(static_cast<std::uint16_t>(value));
  } else if (is(kDeviceStatus, 1)) {
    write_status_locked(static_cast<std::uint8_t>(value));
  } else if (is(kQueueSelect, 2)) {
    queue_select_ = static_cast<std::uint16_t>(value);
  } else if (offset >= kQueueSize && offset < kCommonCfgSize && queue_select_ < num_queues_) {
    queue_write_locked(queues_[queue_select_], offset, size, value);
  } else {
    VMM_GUEST_LOG(spdlog::level::debug, "virtio-pci: ignored {}-byte common config write at {:#x}", size, offset);
  }
}

void VirtioPciDevice::queue_write_locked(QueueRegisters& queue, std::uint64_t offset,
                                         std::size_t size, std::uint64_t value) {
  // A live queue's configuration is frozen: the device already uses it.
  const bool frozen = queue.enabled || (status_ & kStatusDriverOk);
  if (offset == kQueueMsixVector && size == 2) {
    std::lock_guard lock(irq_mutex_);
    queue_vectors_[queue_select_] = checked_vector(static_cast<std::uint16_t>(value));
    return;
  }
  if (frozen) {
    VMM_GUEST_LOG(spdlog::level::debug, "virtio-pci: ignored write at {:#x} to live queue {}", offset, queue_select_);
    return;
  }
  if (offset == kQueueSize && size == 2) {
    const auto requested = static_cast<std::uint16_t>(value);
    if (std::has_single_bit(requested) && requested <= queue.max_size)
      queue.size = requested;
    else
      VMM_GUEST_LOG(spdlog::level::debug, "virtio-pci: ignored queue {} size {} (max {})", queue_select_, requested,
                    queue.max_size);
  } else if (offset == kQueueEnable && size == 2) {
    // Only enabling is defined; a queue is disabled by resetting the device.
    if (value == 1) queue.enabled = true;
  } else if (!write_address(queue.desc, kQueueDesc, offset, size, value) &&
             !write_address(queue.driver, kQueueDriver, offset, size, value) &&
             !write_address(queue.device, kQueueDevice, offset, size, value)) {
    VMM_GUEST_LOG(spdlog::level::debug, "virtio-pci: ignored {}-byte queue register write at {:#x}", size, offset);
  }
}

bool VirtioPciDevice::features_acceptable_locked() const {
  const bool has_version_1 = driver_features_ & (std::uint64_t{1} << kFeatureVersion1);
  const bool only_offered = (driver_features_ & ~offered_features_) == 0;
  return has_version_1 && only_offered;
}

void VirtioPciDevice::write_status_locked(std::uint8_t value) {
  if (value == 0) {
    reset_locked();
    return;
  }
  // The driver only ever adds bits (§3.1.1); clearing happens through reset. NEEDS_RESET is
  // the device's to set.
  const std::uint8_t requested = static_cast<std::uint8_t>(value & ~kStatusNeedsReset);
  const std::uint8_t added = static_cast<std::uint8_t>(requested & ~status_);
  std::uint8_t next = static_cast<std::uint8_t>(status_ | requested);

  if ((added & kStatusFeaturesOk) && !features_acceptable_locked()) {
    VMM_GUEST_LOG(spdlog::level::debug, "virtio-pci: refused FEATURES_OK for driver features {:#x} (offered {:#x})",
                  driver_features_, offered_features_);
    next &= static_cast<std::uint8_t>(~kStatusFeaturesOk);
  }
  if ((added & kStatusDriverOk) && !(next & kStatusFeaturesOk)) {
    VMM_GUEST_LOG(spdlog::level::debug, "virtio-pci: refused DRIVER_OK without FEATURES_OK");
    next &= static_cast<std::uint8_t>(~kStatusDriverOk);
  }
  status_ = next;
  if ((added & kStatusDriverOk) && (next & kStatusDriverOk)) activate_locked();
}

void VirtioPciDevice::activate_locked() {
  const bool event_idx = driver_features_ & (std::uint64_t{1} << kFeatureEventIdx);
  std::vector<std::optional<VirtqueueConfig>> configs(num_queues_);
  for (std::uint16_t i = 0; i < num_queues_; ++i) {
    const QueueRegisters& queue = queues_[i];
    if (!queue.enabled) continue;
    VirtqueueConfig config{queue.size, queue.desc, queue.driver, queue.device, event_idx};
    if (const auto error = Virtqueue::validate(memory_, config)) {
      VMM_GUEST_LOG(spdlog::level::warn, "virtio-pci: queue {} is unusable ({}); device needs reset", i, *error);
      status_ |= kStatusNeedsReset;
      interrupt_.signal_config_change();
      return;
    }
    configs[i] = config;
  }
  std::vector<Virtqueue*> queues(num_queues_, nullptr);
  live_queues_.clear();
  live_queues_.resize(num_queues_);
  for (std::uint16_t i = 0; i < num_queues_; ++i) {
    if (!configs[i]) continue;
    live_queues_[i] = std::make_unique<Virtqueue>(memory_, *configs[i]);
    queues[i] = live_queues_[i].get();
  }
  activated_ = true;
  device_->activate(driver_features_, std::move(queues), interrupt_);
}

void VirtioPciDevice::reset_locked() {
  // The device drops its queue pointers first; only then do the queues go away.
  device_->reset();
  activated_ = false;
  live_queues_.clear();
  device_feature_select_ = 0;
  driver_feature_select_ = 0;
  driver_features_ = 0;
  status_ = 0;
  queue_select_ = 0;
  for (QueueRegisters& queue : queues_) queue = QueueRegisters{queue.max_size, queue.max_size};
  std::lock_guard lock(irq_mutex_);
  config_vector_ = kNoVector;
  std::fill(queue_vectors_.begin(), queue_vectors_.end(), kNoVector);
  isr_ = 0;
  set_intx(false);
}

void VirtioPciDevice::notify_locked(std::uint64_t offset) {
  const std::uint64_t queue = offset / kNotifyOffMultiplier;
  if (queue >= num_queues_ || !activated_ || !live_queues_[queue]) {
    VMM_GUEST_LOG(spdlog::level::debug, "virtio-pci: ignored notify for queue {}", queue);
    return;
  }
  device_->notify_queue(static_cast<std::uint16_t>(queue));
}

std::uint8_t VirtioPciDevice::device_status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

std::uint64_t VirtioPciDevice::driver_features() const {
  std::lock_guard lock(mutex_);
  return driver_features_;
}

}  // namespace vmm
