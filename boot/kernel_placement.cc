#include "boot/kernel_placement.h"

#include <algorithm>

#include "base/format.h"
#include "boot/boot_error.h"

namespace vmm {

namespace {

// Anything past 2^52 is outside any physical address space, so the checks below only need
// to keep every sum under 2^64; this bound makes them simple.
constexpr std::uint64_t kMaxPhysAddr = std::uint64_t{1} << 52;

}  // namespace

KernelPlacement place_kernel(const BzImage& image, std::uint64_t load_addr) {
  const std::string kernel = "kernel '" + image.name + "'";
  if (image.pref_address >= kMaxPhysAddr)
    throw BootError(kernel + " has an impossible pref_address " +
                    hex(image.pref_address));

  KernelPlacement p{};
  p.load_addr = load_addr;
  p.entry64 = load_addr + bzimage::kEntry64Offset;
  const std::uint64_t preferred = image.pref_address != 0 ? image.pref_address : load_addr;
  if (image.relocatable) {
    const std::uint64_t align = image.kernel_alignment;  // a power of two (parse checked)
    const std::uint64_t start = std::max(load_addr, preferred);
    p.runtime_start = (start + align - 1) & ~(align - 1);
  } else {
    p.runtime_start = preferred;
  }
  if (p.runtime_start < load_addr)
    throw BootError(kernel + " is not relocatable and wants to run at " +
                    hex(p.runtime_start) + ", below the load address " +
                    hex(load_addr));
  p.end = std::max(load_addr + image.kernel_size, p.runtime_start + image.init_size);
  return p;
}

}  // namespace vmm
