#include "boot/initrd.h"

#include <algorithm>

#include "base/format.h"
#include "boot/boot_error.h"
#include "boot/boot_layout.h"

namespace vmm {

std::uint64_t place_initrd(std::uint64_t size, const InitrdLimits& limits,
                           const std::string& name) {
  const std::uint64_t page = boot_layout::kPageSize;
  const std::uint64_t addr_limit = std::uint64_t{limits.initrd_addr_max} + 1;
  const std::uint64_t top = std::min(addr_limit, limits.ram_end);
  // A floor above the top leaves no room; at or below it (top <= 2^32) rounding it up to a
  // page cannot wrap, as it would for a floor in the last page below 2^64.
  const std::uint64_t floor =
      limits.floor > top ? limits.floor : (limits.floor + page - 1) & ~(page - 1);
  if (size <= top && floor <= top - size) {
    const std::uint64_t addr = (top - size) & ~(page - 1);
    if (addr >= floor) return addr;
  }
  const std::uint64_t room = top > floor ? top - floor : 0;
  std::string message = "initrd '" + name + "' (" + human_size(size) +
                        ") does not fit below initrd_addr_max " + hex(limits.initrd_addr_max) +
                        " in " + human_size(limits.ram_end) + " of RAM: the kernel uses " +
                        "memory up to " + hex(limits.floor) + ", leaving " +
                        human_size(room);
  if (limits.ram_end < addr_limit) message += "; give the guest more memory";
  throw BootError(message);
}

}  // namespace vmm
