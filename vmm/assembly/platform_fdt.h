// Gathers what the machine actually is — RAM ranges, CPUs, the PCI windows, the virtio-gpu
// host-visible BAR, the memslots at boot, where the kernel put the initrd — into the device
// tree description boot/ turns into a DTB.
#pragma once

#include <cstdint>
#include <vector>

#include "boot/fdt_builder.h"
#include "boot/linux_loader.h"
#include "devices/pci/pci_root.h"
#include "memory/guest_memory.h"
#include "memory/memslot.h"

namespace vmm {

struct PlatformFacts {
  const GuestMemory& memory;
  std::string bootargs;
  std::uint32_t cpus;
  FdtRange mmio32;
  FdtRange mmio64;
  std::vector<PciBarMapping> bars;
  std::vector<Memslot> memslots;
  std::string host_cpu_emulated;  // HostFacts: the emulator's name where the CPU is emulated
};

PlatformDescription describe_platform(const PlatformFacts& facts, const BootSummary& placed);

}  // namespace vmm
