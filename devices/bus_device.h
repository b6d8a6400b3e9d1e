// BusDevice: what a device model exposes to the port-I/O or MMIO bus.
//
// Offsets are relative to the base the device was registered at; `data` is exactly the
// access width (1, 2, 4 or 8 bytes), little-endian as the guest sees it. A device never
// sees an access outside the range it registered. Devices do not know KVM: the vCPU run
// loop turns exits into these calls.
#pragma once

#include <cstdint>
#include <span>

namespace vmm {

class BusDevice {
 public:
  virtual ~BusDevice() = default;
  virtual void read(std::uint64_t offset, std::span<std::uint8_t> data) = 0;
  virtual void write(std::uint64_t offset, std::span<const std::uint8_t> data) = 0;
};

}  // namespace vmm
