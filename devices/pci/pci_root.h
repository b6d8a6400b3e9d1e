// PciRoot: PCI bus 0 of the guest: configuration mechanism #1 on ports 0xcf8..0xcff, a host
// bridge at 00:00.0, devices in slots 1..31 (function 0 only), their BARs placed in two
// address windows, and legacy INTx routing.
//
// BARs. add_device() assigns every BAR from a window, as firmware would: 64-bit
// prefetchable BARs from the 64-bit window, all others from the 32-bit one, each naturally
// aligned. Memory decode (command bit 1) is then switched on. From then on the guest owns
// the BARs; after every configuration write that touches a BAR or the command register,
// the root brings the mappings in line:
//  - Trapped BARs are registered on the MMIO bus only while memory decode is on; a BAR
//    moved with decode on is unregistered at the old place and registered at the new.
//  - Device-mapped BARs (memory the device maps itself, e.g. a virtio shared-memory
//    window) move when the guest moves them with decode on; turning decode off leaves the
//    device's mapping where it is (nothing can reach it without the BAR, and the device
//    has no way to unmap), so sizing the BAR with decode off moves nothing.
//  - A BAR is placed only where it lies wholly inside one of the two windows and overlaps
//    no other BAR (the windows' allocators hold a reservation per placed BAR) nor any
//    other range on the MMIO bus. Elsewhere (onto RAM, onto another device) it is refused
//    with a warning and stays unmapped (trapped) or where it was (device-mapped) until the
//    guest moves it again or turns memory decode off and on (one warning per refusal).
//  - on_bar_moved(bar, address) is called at the first assignment and whenever a BAR
//    comes to decode at an address different from the last one reported.
//
// INTx. Pin P (1 = INTA) of slot S is wired to GSI 16 + (S + P - 1) % 4 (the usual PCI
// swizzle onto the IOAPIC's inputs 16..19); functions on the same GSI share it (wired-OR).
// The interrupt line register is initialised to that GSI; irq_routes() lists the routes for
// the MP table. Lines are level-triggered, asserted = high as IrqLine::set_level sees it.
//
// Thread safety: read()/write() may come from several vCPUs at once; one internal lock
// serialises configuration accesses and BAR moves. The MMIO bus lock is never held while
// the root runs, so moving BARs from a port access is safe.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "devices/bus.h"
#include "devices/bus_device.h"
#include "devices/irq_line.h"
#include "devices/pci/pci_device.h"
#include "devices/pci/shared_irq_line.h"
#include "memory/address_allocator.h"

namespace vmm {

// One legacy interrupt route, for the MP table's I/O interrupt entries (bus 0; the source
// bus IRQ is slot << 2 | (pin - 1)).
struct PciIrqRoute {
  std::uint8_t slot;
  std::uint8_t pin;  // 1 = INTA
  std::uint32_t gsi;
};

// A BAR as the root currently sees it, for diagnostics.
struct PciBarMapping {
  std::string device;
  std::uint8_t slot;
  int bar;
  std::uint64_t address;  // where the guest's BAR register points
  std::uint64_t size;
  PciBarAccess access;
  std::optional<std::uint64_t> mapped;  // where it really decodes, if anywhere
};

class PciRoot : public BusDevice {
 public:
  // Produces the IrqLine for one GSI (KvmIrqLine in the VMM); called once per GSI used.
  using IrqLineFactory = std::function<std::shared_ptr<IrqLine>(std::uint32_t gsi)>;

  // `mmio_bus` must outlive the root. `mmio32` must lie below 4 GiB; neither window may
  // overlap RAM or other MMIO. Throws std::invalid_argument otherwise (or for a null factory).
  PciRoot(Bus& mmio_bus, AddressAllocator mmio32, AddressAllocator mmio64,
          IrqLineFactory irq_lines);
  ~PciRoot() override;  // unregisters its trapped BARs from the MMIO bus

  // Puts `device` in the lowest free slot (1..31), assigns and maps its BARs, routes its
  // interrupt pin and returns the slot. Throws std::invalid_argument for a null device and
  // std::runtime_error when no slot or window space is left (nothing is kept then).
  std::uint8_t add_device(std::shared_ptr<PciDevice> device, std::string name);

  std::vector<PciIrqRoute> irq_routes() const;
  std::vector<PciBarMapping> bar_mappings() const;

  // BusDevice for the port-I/O bus: register at pci::kConfigAddressPort (0xcf8) with size
  // pci::kConfigPortsSize (8). Offset 0..3: address register (32-bit accesses only),
  // 4..7: data window (1, 2 or 4 bytes at the byte offset within the register).
  void read(std::uint64_t offset, std::span<std::uint8_t> data) override;
  void write(std::uint64_t offset, std::span<const std::uint8_t> data) override;

 private:
  struct BarState {
    AddressAllocator* window = nullptr;   // holds the reservation while mapped
    std::optional<std::uint64_t> mapped;  // reserved (and, if trapped, on the bus) here
    std::optional<std::uint64_t> reported;  // last address given to on_bar_moved
    std::optional<std::uint64_t> refused;   // last address refused: not retried (or logged)
                                            // until the BAR moves or decode goes off and on
    std::shared_ptr<BusDevice> adapter;   // trapped BARs only
  };
  struct Slot {
    std::shared_ptr<PciDevice> device;
    std::string name;
    std::array<BarState, 6> bars;
    std::optional<PciIrqRoute> route;
  };

  // The device addressed by the current config address, with the register offset.
  PciDevice* addressed_locked(std::uint64_t port_offset, std::size_t size,
                              std::uint16_t& reg, std::size_t& slot);
  void assign_bars_locked(Slot& slot, std::uint8_t number);
  void update_bars_locked(Slot& slot);
  bool map_bar_locked(Slot& slot, int bar, std::uint64_t address);
  void unmap_bar_locked(Slot& slot, int bar);
  void route_intx_locked(Slot& slot, std::uint8_t number);
  std::string bar_owner(const Slot& slot, int bar) const;

  Bus& mmio_bus_;
  AddressAllocator mmio32_;
  AddressAllocator mmio64_;
  IrqLineFactory irq_lines_;

  mutable std::mutex mutex_;
  std::uint32_t config_address_ = 0;
  std::array<std::optional<Slot>, 32> slots_;
  std::array<std::unique_ptr<SharedIrqLine>, 4> intx_lines_;  // by GSI - 16
};

}  // namespace vmm
