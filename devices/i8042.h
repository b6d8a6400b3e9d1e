// I8042: the least of a PC keyboard controller, there so that Linux's `reboot=k` (pulse
// the reset line through command 0xfe) works and probing finds nothing to drive.
//
// One device covers ports 0x60-0x64: register it once at kI8042Base with kI8042Size.
// Only 0x60 (data) and 0x64 (status/command) mean anything; 0x61-0x63 read 0xff and
// ignore writes. (Port 0x61, the PC speaker / PIT gate, is normally handled inside KVM by
// its in-kernel PIT and never reaches this device.)
//
// There is no keyboard or mouse behind it, and probing must say so at once. The status
// register therefore reads OBF set and IBF clear, always: an output buffer that never
// drains is how Linux's i8042_controller_check() recognises a missing controller ("No
// controller found" after 16 reads of 0x60), while Linux's reboot path, which waits only
// for IBF to clear, still sends its 0xfe at once. (Reporting both buffers empty instead
// made Linux believe a controller was there and wait out its 0.5 s command timeouts:
// 2.6 s of a Debian guest's boot in the emulated KVM host.) Data reads return 0.
// A command that pulses output-port line 0 (0xfe, or any of 0xf0-0xfe with bit 0 clear)
// calls on_reset; every other byte is accepted and ignored.
//
// on_reset runs on the vCPU thread that made the access, with no lock held; it should
// arrange for the VM to stop (it must not block waiting for that vCPU).
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "devices/bus_device.h"

namespace vmm {

inline constexpr std::uint64_t kI8042Base = 0x60;
inline constexpr std::uint64_t kI8042Size = 5;  // ports 0x60 through 0x64

class I8042 : public BusDevice {
 public:
  explicit I8042(std::function<void()> on_reset);

  void read(std::uint64_t offset, std::span<std::uint8_t> data) override;
  void write(std::uint64_t offset, std::span<const std::uint8_t> data) override;

 private:
  const std::function<void()> on_reset_;
};

}  // namespace vmm
