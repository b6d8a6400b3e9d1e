#include "devices/pci/pci_root.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include <spdlog/spdlog.h>

#include "base/guest_log.h"
#include "devices/pci/pci_bar_bus_device.h"
#include "devices/pci/pci_registers.h"

namespace vmm {

using namespace pci;

namespace {

constexpr std::uint64_t k4GiB = std::uint64_t{1} << 32;

// The host bridge only has to be there: Linux's type-1 probe looks for a host bridge (or
// an Intel/Compaq function) on bus 0 before it trusts the mechanism.
class HostBridge : public PciDevice {
 public:
  HostBridge()
      : PciDevice(PciIds{kHostBridgeVendor, kHostBridgeDevice, 0, kClassHostBridge,
                         kHostBridgeVendor, kHostBridgeDevice}) {}
};

std::uint32_t gsi_for(std::uint8_t slot, std::uint8_t pin) {
  return kIntxFirstGsi + (slot + pin - 1u) % kIntxGsiCount;
}

std::uint32_t little_endian(std::span<const std::uint8_t> data) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < data.size() && i < 4; ++i) value |= std::uint32_t{data[i]} << (8 * i);
  return value;
}

void store_little_endian(std::uint32_t value, std::span<std::uint8_t> data) {
  for (std::size_t i = 0; i < data.size(); ++i)
    data[i] = i < 4 ? static_cast<std::uint8_t>(value >> (8 * i)) : 0xff;
}

bool overlaps(std::uint16_t offset, std::size_t size, std::uint16_t start, std::uint16_t end) {
  return offset < end && offset + size > start;
}

}  // namespace

PciRoot::PciRoot(Bus& mmio_bus, AddressAllocator mmio32, AddressAllocator mmio64,
                 IrqLineFactory irq_lines)
    : mmio_bus_(mmio_bus),
      mmio32_(std::move(mmio32)),
      mmio64_(std::move(mmio64)),
      irq_lines_(std::move(irq_lines)) {
  if (mmio32_.last() >= k4GiB)
    throw std::invalid_argument("pci root: the 32-bit MMIO window must end below 4 GiB");
  if (mmio32_.base() <= mmio64_.last() && mmio64_.base() <= mmio32_.last())
    throw std::invalid_argument("pci root: the 32-bit and 64-bit MMIO windows overlap");
  if (!irq_lines_) throw std::invalid_argument("pci root: no IRQ line factory");
  slots_[0] = Slot{std::make_shared<HostBridge>(), "host-bridge", {}, std::nullopt};
}

PciRoot::~PciRoot() {
  std::lock_guard lock(mutex_);
  for (auto& slot : slots_) {
    if (!slot) continue;
    for (int bar = 0; bar < kBarCount; ++bar) {
      if (slot->bars[bar].mapped && slot->bars[bar].adapter)
        mmio_bus_.remove(*slot->bars[bar].mapped);
    }
  }
}

std::uint8_t PciRoot::add_device(std::shared_ptr<PciDevice> device, std::string name) {
  if (!device) throw std::invalid_argument("pci root: cannot add '" + name + "': device is null");
  std::lock_guard lock(mutex_);
  auto free_slot = std::find_if(slots_.begin() + 1, slots_.end(),
                                [](const auto& slot) { return !slot.has_value(); });
  if (free_slot == slots_.end())
    throw std::runtime_error("pci root: cannot add '" + name + "': all 31 slots are taken");
  const auto number = static_cast<std::uint8_t>(free_slot - slots_.begin());

  Slot slot{std::move(device), std::move(name), {}, std::nullopt};
  assign_bars_locked(slot, number);  // throws with nothing left behind
  PciConfigSpace& config = slot.device->config();
  // Firmware leaves decode on for the BARs it assigned, so a guest without BIOS-style
  // enumeration finds a working device.
  config.set16(kCommand, config.command() | kCommandMemorySpace);
  route_intx_locked(slot, number);

  *free_slot = std::move(slot);
  Slot& placed = **free_slot;
  for (int bar = 0; bar < kBarCount; ++bar) {
    BarState& state = placed.bars[bar];
    if (!state.mapped) continue;
    state.reported = state.mapped;
    placed.device->on_bar_moved(bar, *state.mapped);
  }
  spdlog::debug("pci: '{}' at 00:{:02x}.0", placed.name, number);
  return number;
}

void PciRoot::assign_bars_locked(Slot& slot, std::uint8_t number) {
  PciConfigSpace& config = slot.device->config();
  auto release_all = [&] {
    for (int bar = 0; bar < kBarCount; ++bar) unmap_bar_locked(slot, bar);
  };
  for (int bar = 0; bar < kBarCount; ++bar) {
    const auto info = config.bar_info(bar);
    if (!info) continue;
    const bool high = info->type == PciBarType::Mem64 && info->prefetchable;
    AddressAllocator& window = high ? mmio64_ : mmio32_;
    const auto address = window.allocate(info->size, info->size, bar_owner(slot, bar));
    if (!address) {
      release_all();
      throw std::runtime_error("pci root: no room for " + bar_owner(slot, bar) + " (size " +
                               std::to_string(info->size) + ") in the " +
                               (high ? "64" : "32") + "-bit MMIO window");
    }
    config.set_bar_address(bar, *address);
    BarState& state = slot.bars[bar];
    state.window = &window;
    state.mapped = address;
    if (slot.device->bar_access(bar) != PciBarAccess::Trapped) continue;
    state.adapter = std::make_shared<PciBarBusDevice>(slot.device, bar);
    try {
      mmio_bus_.add(*address, info->size, state.adapter, bar_owner(slot, bar));
    } catch (const std::invalid_argument& error) {
      state.adapter.reset();  // not on the bus: release_all must not remove it
      release_all();
      throw std::runtime_error("pci root: cannot map 00:" + std::to_string(number) + ": " +
                               error.what());
    }
  }
}

void PciRoot::route_intx_locked(Slot& slot, std::uint8_t number) {
  PciConfigSpace& config = slot.device->config();
  const std::uint8_t pin = config.read8(kInterruptPin);
  if (pin < 1 || pin > 4) return;
  const std::uint32_t gsi = gsi_for(number, pin);
  auto& shared = intx_lines_[gsi - kIntxFirstGsi];
  if (!shared) shared = std::make_unique<SharedIrqLine>(irq_lines_(gsi));
  config.set8(kInterruptLine, static_cast<std::uint8_t>(gsi));
  slot.device->connect_intx(shared->connect());
  slot.route = PciIrqRoute{number, pin, gsi};
}

std::string PciRoot::bar_owner(const Slot& slot, int bar) const {
  return slot.name + " BAR" + std::to_string(bar);
}

void PciRoot::update_bars_locked(Slot& slot) {
  const PciConfigSpace& config = slot.device->config();
  const bool decode = config.command() & kCommandMemorySpace;
  for (int bar = 0; bar < kBarCount; ++bar) {
    if (!config.bar_info(bar)) continue;
    BarState& state = slot.bars[bar];
    const bool trapped = slot.device->bar_access(bar) == PciBarAccess::Trapped;
    if (!decode) {
      if (trapped) unmap_bar_locked(slot, bar);
      state.refused.reset();
      continue;
    }
    const std::uint64_t address = config.bar_address(bar);
    if (state.mapped == address || state.refused == address) continue;

    const std::optional<std::uint64_t> old = state.mapped;
    unmap_bar_locked(slot, bar);
    if (!map_bar_locked(slot, bar, address)) {
      state.refused = address;
      // A device-mapped BAR cannot be taken away from its device: keep the old placement.
      if (!trapped && old && map_bar_locked(slot, bar, *old))
        VMM_GUEST_LOG(spdlog::level::warn, "pci: {} stays at {:#x} until the guest moves it again", bar_owner(slot, bar), *old);
      else if (!trapped && old)
        VMM_GUEST_LOG(spdlog::level::warn, "pci: {} lost its place at {:#x}", bar_owner(slot, bar), *old);
      else
        VMM_GUEST_LOG(spdlog::level::warn, "pci: {} is unmapped until the guest moves it again", bar_owner(slot, bar));
      continue;
    }
    state.refused.reset();
    if (state.reported != address) {
      state.reported = address;
      slot.device->on_bar_moved(bar, address);
    }
  }
}

bool PciRoot::map_bar_locked(Slot& slot, int bar, std::uint64_t address) {
  const auto info = slot.device->config().bar_info(bar);
  const std::string owner = bar_owner(slot, bar);
  AddressAllocator* window = mmio32_.contains(address, info->size)   ? &mmio32_
                             : mmio64_.contains(address, info->size) ? &mmio64_
                                                                     : nullptr;
  if (!window) {
    VMM_GUEST_LOG(spdlog::level::warn, "pci: guest placed {} at {:#x} (size {:#x}), outside the PCI MMIO windows; "
                 "refused", owner, address, info->size);
    return false;
  }
  if (!window->reserve(address, info->size, owner)) {
    VMM_GUEST_LOG(spdlog::level::warn, "pci: guest placed {} at {:#x} (size {:#x}) over another BAR; refused",
                 owner, address, info->size);
    return false;
  }
  BarState& state = slot.bars[bar];
  if (slot.device->bar_access(bar) == PciBarAccess::Trapped) {
    if (!state.adapter) state.adapter = std::make_shared<PciBarBusDevice>(slot.device, bar);
    try {
      mmio_bus_.add(address, info->size, state.adapter, owner);
    } catch (const std::invalid_argument& error) {
      window->free(address);
      VMM_GUEST_LOG(spdlog::level::warn, "pci: guest placed {} where the MMIO bus refuses it: {}; refused",
                   owner, error.what());
      return false;
    }
  }
  state.window = window;
  state.mapped = address;
  return true;
}

void PciRoot::unmap_bar_locked(Slot& slot, int bar) {
  BarState& state = slot.bars[bar];
  if (!state.mapped) return;
  if (state.adapter && slot.device->bar_access(bar) == PciBarAccess::Trapped)
    mmio_bus_.remove(*state.mapped);
  state.window->free(*state.mapped);
  state.mapped.reset();
}

PciDevice* PciRoot::addressed_locked(std::uint64_t port_offset, std::size_t size,
                                     std::uint16_t& reg, std::size_t& slot) {
  if (!(config_address_ & kConfigAddressEnable)) return nullptr;
  const std::uint64_t byte = port_offset - kConfigDataOffset;
  if (size == 0 || size > 4 || byte + size > 4) return nullptr;
  const unsigned bus = (config_address_ >> 16) & 0xff;
  const unsigned device = (config_address_ >> 11) & 0x1f;
  const unsigned function = (config_address_ >> 8) & 0x7;
  if (bus != 0 || function != 0 || !slots_[device]) return nullptr;
  reg = static_cast<std::uint16_t>((config_address_ & 0xfc) + byte);
  slot = device;
  return slots_[device]->device.get();
}

void PciRoot::read(std::uint64_t offset, std::span<std::uint8_t> data) {
  std::lock_guard lock(mutex_);
  if (offset < kConfigDataOffset) {
    if (offset == 0 && data.size() == 4)
      store_little_endian(config_address_, data);
    else
      std::fill(data.begin(), data.end(), 0xff);  // 0xcf9..0xcfb are not ours
    return;
  }
  std::uint16_t reg = 0;
  std::size_t slot = 0;
  PciDevice* device = addressed_locked(offset, data.size(), reg, slot);
  // An absent function reads all-ones: that is how enumeration finds empty slots.
  store_little_endian(device ? device->config_read(reg, data.size()) : 0xffffffffu, data);
}

void PciRoot::write(std::uint64_t offset, std::span<const std::uint8_t> data) {
  std::lock_guard lock(mutex_);
  if (offset < kConfigDataOffset) {
    if (offset == 0 && data.size() == 4)
      config_address_ = little_endian(data) & kConfigAddressMask;
    else
      VMM_GUEST_LOG(spdlog::level::debug, "pci: ignored {}-byte write to port {:#x}", data.size(),
                    kConfigAddressPort + offset);
    return;
  }
  std::uint16_t reg = 0;
  std::size_t number = 0;
  PciDevice* device = addressed_locked(offset, data.size(), reg, number);
  if (!device) return;
  device->config_write(reg, data.size(), little_endian(data));
  constexpr std::uint16_t kBarsEnd = kBar0 + 4 * kBarCount;
  if (overlaps(reg, data.size(), kCommand, kCommand + 2) ||
      overlaps(reg, data.size(), kBar0, kBarsEnd))
    update_bars_locked(*slots_[number]);
}

std::vector<PciIrqRoute> PciRoot::irq_routes() const {
  std::lock_guard lock(mutex_);
  std::vector<PciIrqRoute> routes;
  for (const auto& slot : slots_)
    if (slot && slot->route) routes.push_back(*slot->route);
  return routes;
}

std::vector<PciBarMapping> PciRoot::bar_mappings() const {
  std::lock_guard lock(mutex_);
  std::vector<PciBarMapping> out;
  for (std::size_t number = 0; number < slots_.size(); ++number) {
    const auto& slot = slots_[number];
    if (!slot) continue;
    const PciConfigSpace& config = slot->device->config();
    for (int bar = 0; bar < kBarCount; ++bar) {
      const auto info = config.bar_info(bar);
      if (!info) continue;
      out.push_back(PciBarMapping{slot->name, static_cast<std::uint8_t>(number), bar,
                                  config.bar_address(bar), info->size,
                                  slot->device->bar_access(bar), slot->bars[bar].mapped});
    }
  }
  return out;
}

}  // namespace vmm
