#include "vmm/assembly/platform_fdt.h"

#include "devices/gpu/virtio_gpu_protocol.h"
#include "vmm/version.h"

namespace vmm {

PlatformDescription describe_platform(const PlatformFacts& f, const BootSummary& placed) {
  PlatformDescription p;
  for (const auto& range : f.memory.ranges()) p.ram.push_back({range.guest_addr, range.size});
  p.bootargs = f.bootargs;
  if (placed.initrd_size > 0) p.initrd = FdtRange{placed.initrd_addr, placed.initrd_size};
  p.cpus = f.cpus;
  p.pci_mmio32 = f.mmio32;
  p.pci_mmio64 = f.mmio64;
  for (const auto& bar : f.bars)
    if (bar.device == "virtio-gpu" && bar.access == PciBarAccess::DeviceMapped)
      p.gpu = FdtGpu{bar.slot, {bar.address, bar.size}, gpu::kShmIdHostVisible};
  for (const auto& slot : f.memslots)
    p.memslots.push_back({slot.slot, slot.request.guest_addr, slot.request.size, slot.request.owner,
                          std::string(to_string(slot.request.cache_type)), slot.applied.names,
                          slot.applied.rule});
  p.vmm_version = kVersion;
  p.host_cpu_emulated = f.host_cpu_emulated;
  return p;
}

}  // namespace vmm
