#include "boot/cmdline.h"

#include <string>

#include "base/format.h"
#include "boot/boot_error.h"

namespace vmm {

void check_cmdline(std::string_view cmdline, std::uint64_t capacity, std::uint32_t kernel_max) {
  const std::string length = std::to_string(cmdline.size());
  if (cmdline.size() > kernel_max)
    throw BootError("command line is " + length + " bytes, kernel accepts at most " +
                    std::to_string(kernel_max));
  if (cmdline.size() >= capacity)
    throw BootError("command line is " + length + " bytes, vmm's buffer holds at most " +
                    std::to_string(capacity - 1));
  if (const auto nul = cmdline.find('\0'); nul != std::string_view::npos)
    throw BootError("command line contains a NUL byte at offset " + std::to_string(nul));
}

void write_cmdline(const GuestMemory& memory, std::uint64_t addr, std::uint64_t capacity,
                   std::string_view cmdline, std::uint32_t kernel_max) {
  check_cmdline(cmdline, capacity, kernel_max);

  auto dst = memory.span(addr, cmdline.size() + 1);
  if (!dst)
    throw BootError("command line buffer at " + hex(addr) +
                    " is not in guest RAM");
  cmdline.copy(reinterpret_cast<char*>(dst->data()), cmdline.size());
  (*dst)[cmdline.size()] = 0;
}

}  // namespace vmm
