// Machine: assembles one VM from Options — KVM VM and irqchip, guest RAM registered as
// memslots through the memslot table, the legacy devices on the port-I/O bus, the kernel
// loaded through the Linux boot protocol, the boot vCPU — and runs it until it stops.
//
// Members are declared in the order they must be built; C++ destroys them in reverse, so
// vCPUs go before devices, devices before memslots, and guest RAM is unmapped only after
// the VM fd that referenced it is closed.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "boot/bzimage.h"
#include "boot/linux_loader.h"
#include "devices/bus.h"
#include "memory/guest_memory.h"
#include "memory/memslot_table.h"
#include "vmm/kvm/host_facts.h"
#include "vmm/kvm/host_environment.h"
#include "vmm/kvm/kvm_memslot_backend.h"
#include "vmm/kvm/memtype_policy.h"
#include "vmm/kvm/kvm_system.h"
#include "vmm/kvm/kvm_vm.h"
#include "vmm/guest_probe_log.h"
#include "vmm/memslot_trace.h"
#include "vmm/options.h"
#include "vmm/stop_signal.h"

namespace vmm {

class Serial8250;
class PciRoot;
class VirtioGpu;
class KvmMsiSender;

class Machine {
 public:
  explicit Machine(const Options& options);  // throws on any set-up failure
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;
  ~Machine();

  // Runs every vCPU until the guest or a failure stops the VM; returns vmm's exit status.
  int run();

 private:
  void add_ram_memslots();
  void add_legacy_devices();
  void add_pci_devices();
  void load_kernel();
  void create_vcpus();
  void write_report(const StopReason& stop);

  Options options_;
  // Read and validated before /dev/kvm is touched, so a bad kernel or initrd is reported
  // as one line without any KVM noise before it.
  BzImage kernel_;
  std::optional<InitrdImage> initrd_;
  HostEnvironment host_env_;  // read before /dev/kvm is opened, to say what is missing
  KvmSystem kvm_;
  GuestMemory memory_;
  KvmVm vm_;
  HostFacts host_facts_;     // probed on vm_ before any memslot exists
  MemtypePlan memtype_plan_;
  KvmMemslotBackend memslot_backend_;
  MemslotTable memslots_;
  std::unique_ptr<MemslotTrace> trace_;
  GuestProbeLog guest_probes_;              // MEMTYPE-PROBE lines from the console
  std::mutex events_mutex_;
  std::vector<MemslotEvent> memslot_events_;  // kept for --report
  X86EntryState boot_entry_;
  std::vector<std::uint8_t> dtb_;  // the device tree handed to the guest, if any
  StopSignal stop_;
  // The MMIO bus outlives the port-I/O bus: the PCI root lives on the I/O bus (config ports)
  // and unregisters its BARs from the MMIO bus when the I/O bus lets it go.
  Bus mmio_bus_;
  Bus io_bus_;
  std::shared_ptr<Serial8250> serial_;
  std::unique_ptr<KvmMsiSender> msi_sender_;
  std::shared_ptr<PciRoot> pci_;
  VirtioGpu* gpu_ = nullptr;  // owned by its PCI transport, inside pci_
  std::vector<KvmVcpu> vcpus_;
};

}  // namespace vmm
