// DebugExit: lets a guest end the VM with an exit status of its choice. The guest writes
// the status byte to port 0x501; the vmm exits with that status.
//
// Register it at kDebugExitPort with kDebugExitSize. The range is 4 ports wide so that a
// 16- or 32-bit write to 0x501 reaches the device too (it uses the low byte); accesses that
// start at 0x502-0x504 are ignored. Reads return 0.
//
// Unlike QEMU's isa-debug-exit (which exits with (value << 1) | 1) the status is the byte
// itself, so a guest can report 0 = success.
//
// on_exit runs on the vCPU thread that made the access, with no lock held; it should
// arrange for the VM to stop (it must not block waiting for that vCPU). A guest may write
// more than once before the VM stops; each write calls on_exit.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "devices/bus_device.h"

namespace vmm {

inline constexpr std::uint64_t kDebugExitPort = 0x501;
inline constexpr std::uint64_t kDebugExitSize = 4;

class DebugExit : public BusDevice {
 public:
  explicit DebugExit(std::function<void(int status)> on_exit);

  void read(std::uint64_t offset, std::span<std::uint8_t> data) override;
  void write(std::uint64_t offset, std::span<const std::uint8_t> data) override;

 private:
  const std::function<void(int status)> on_exit_;
};

}  // namespace vmm
