// PciBarBusDevice: what PciRoot registers on the MMIO bus for a trapped BAR; it forwards
// every access to the owning device with the BAR index.
#pragma once

#include <memory>
#include <utility>

#include "devices/bus_device.h"
#include "devices/pci/pci_device.h"

namespace vmm {

class PciBarBusDevice : public BusDevice {
 public:
  PciBarBusDevice(std::shared_ptr<PciDevice> device, int bar)
      : device_(std::move(device)), bar_(bar) {}

  void read(std::uint64_t offset, std::span<std::uint8_t> data) override {
    device_->bar_read(bar_, offset, data);
  }
  void write(std::uint64_t offset, std::span<const std::uint8_t> data) override {
    device_->bar_write(bar_, offset, data);
  }

 private:
  std::shared_ptr<PciDevice> device_;
  int bar_;
};

}  // namespace vmm
