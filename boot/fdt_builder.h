// The platform described as a flattened device tree (libfdt): one description of the
// machine that the guest reads (handed over as a SETUP_DTB setup_data entry) and that a
// person can decompile (--dump-dtb, then `dtc -I dtb -O dts`).
//
// Standard nodes: /memory@ADDR per RAM range, /chosen (bootargs, linux,initrd-start/-end),
// /cpus/cpu@N, /pci@<mmio32 base> (the host bridge: config mechanism #1, `ranges` = the BAR windows in use)
// with a child per PCI device. Anything not standard uses the `vmm,` prefix:
//   /pci@...         vmm,config-ports = <port count>        the 0xcf8 config mechanism
//   /pci@.../gpu@S,0    vmm,host-visible-window = <addr size>  (64-bit cells) the virtio-gpu
//                    vmm,shm-id = <1>                        shared-memory region
//   /vmm             vmm,version = "x.y.z"
//                    vmm,host-cpu-emulated = "QEMU TCG"   only where the host CPU is emulated:
//                    it models no caches, so a guest measuring memory types learns nothing
//   /vmm/memslot@A   reg = <addr size>, vmm,slot, vmm,owner, vmm,requested (MemCacheType),
//                    vmm,applied (KVM flags spelled out), vmm,rule (effective rule)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vmm {

struct FdtRange {
  std::uint64_t addr;
  std::uint64_t size;
};

struct FdtMemslot {
  std::uint32_t slot;
  std::uint64_t guest_addr;
  std::uint64_t size;
  std::string owner;
  std::string requested;  // "CacheCoherent" / "CacheNonCoherent"
  std::string applied;
  std::string rule;
};

struct FdtGpu {
  std::uint8_t pci_slot;
  FdtRange host_visible;  // the shared-memory BAR as assigned at boot
  std::uint8_t shm_id;
};

struct PlatformDescription {
  std::vector<FdtRange> ram;
  std::string bootargs;
  std::optional<FdtRange> initrd;
  std::uint32_t cpus = 1;
  FdtRange pci_mmio32;  // the BAR windows
  FdtRange pci_mmio64;
  std::optional<FdtGpu> gpu;
  std::vector<FdtMemslot> memslots;
  std::string vmm_version;
  std::string host_cpu_emulated;  // the emulator's name, or empty on a real CPU
};

// Largest DTB vmm builds; it must also fit the boot setup_data area.
inline constexpr std::size_t kMaxFdtSize = 32 * 1024;

// Builds the DTB. Throws BootError with a one-line reason for a description libfdt cannot
// hold within kMaxFdtSize or that is inconsistent (no RAM, no CPU): never a corrupt blob.
std::vector<std::uint8_t> build_fdt(const PlatformDescription& platform);

}  // namespace vmm
