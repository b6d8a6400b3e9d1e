// Machine: assembles one VM from Options — KVM VM and irqchip, guest RAM registered as
// memslots through the memslot table, the legacy devices on the port-I/O bus, PCI and the
// virtio-gpu, the kernel loaded through the Linux boot protocol, the vCPUs — and then only
// hands out its parts. Running it is vmm/run/runner's job.
//
// Members are declared in the order they must be built; C++ destroys them in reverse, so
// vCPUs go before devices, devices before memslots, and guest RAM is unmapped only after
// the VM fd that referenced it is closed.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "boot/bzimage.h"
#include "boot/linux_loader.h"
#include "devices/bus.h"
#include "devices/gpu/process/renderer_placement.h"
#include "memory/guest_memory.h"
#include "memory/memslot_table.h"
#include "vmm/cli/options.h"
#include "vmm/kvm/host_environment.h"
#include "vmm/kvm/host_facts.h"
#include "vmm/kvm/kvm_memslot_backend.h"
#include "vmm/kvm/kvm_system.h"
#include "vmm/kvm/kvm_vcpu.h"
#include "vmm/kvm/kvm_vm.h"
#include "vmm/kvm/memtype_policy.h"
#include "vmm/report/guest_probe_log.h"
#include "vmm/report/memslot_event_log.h"
#include "vmm/report/memslot_trace.h"
#include "vmm/kvm/spte_tracer.h"
#include "vmm/report/derivation_log.h"
#include "vmm/report/run_report.h"
#include "vmm/run/memtype_deriver.h"
#include "vmm/run/stop_signal.h"

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

  // What the runner needs.
  std::vector<KvmVcpu>& vcpus() { return vcpus_; }
  Bus& io_bus() { return io_bus_; }
  Bus& mmio_bus() { return mmio_bus_; }
  StopSignal& stop() { return stop_; }
  Serial8250& serial() { return *serial_; }
  VirtioGpu* gpu() { return gpu_; }  // nullptr without --gpu
  const MemslotTable& memslots() const { return memslots_; }
  MemslotTable& memslot_table() { return memslots_; }
  const HostFacts& host_facts() const { return host_facts_; }
  // --derive-memtype other than off; null otherwise. The tracer may be null where KVM's
  // tracepoint cannot be read (the deriver then uses the policy's rule and says why).
  MemtypeDeriver* memtype_deriver() { return deriver_.get(); }
  // Every derivation as it is made (the control socket's events subscribe to it).
  DerivationLog& derivation_log() { return derivations_; }
  SpteTracer* spte_tracer() { return spte_tracer_.get(); }
  // --derive-memtype first-touch: device slots wait for the guest's first access.
  bool first_touch() const { return first_touch_; }
  // KVM_CAP_EXIT_ON_EMULATION_FAILURE was enabled (for first touch).
  bool emulation_exits() const { return emulation_exits_; }
  // Each derived slot's latest effective type, by serial (the memslot table at exit).
  std::map<std::uint64_t, std::string> derived_effective() const;
  // Every derivation kept, with KVM's side as it is now: a derivation made at a first touch,
  // before KVM had mapped the slot, gets KVM's entries here.
  std::vector<memtype::SlotDerivation> current_derivations() const;
  // Everything --report holds, as of now, with `stop` as the reason the VM stopped.
  RunReportInput report_input(const StopReason& stop) const;

 private:
  void add_ram_memslots();
  void add_legacy_devices();
  void add_pci_devices();
  void load_kernel();
  void create_vcpus();
  void set_up_derivation();

  Options options_;
  // Read and validated before /dev/kvm is touched, so a bad kernel or initrd is reported
  // as one line without any KVM noise before it. Their bytes are released once loaded.
  BzImage kernel_;
  std::optional<InitrdImage> initrd_;
  HostEnvironment host_env_;  // read before /dev/kvm is opened, to say what is missing
  KvmSystem kvm_;
  // Where --gpu-renderer's renderer runs (renderer_placement.h): in vmm-gpu-process, guest
  // RAM is made shareable with it, so this is settled before memory_.
  gpu::process::RendererPlacement renderer_placement_;
  GuestMemory memory_;
  KvmVm vm_;
  HostFacts host_facts_;     // probed on vm_ before any memslot exists
  MemtypePlan memtype_plan_;
  KvmMemslotBackend memslot_backend_;
  MemslotTable memslots_;
  std::unique_ptr<MemslotTrace> trace_;
  std::unique_ptr<MemslotEventLog> event_log_;  // with --report
  GuestProbeLog guest_probes_;                  // MEMTYPE-PROBE lines from the console
  // The derived memory type (--derive-memtype): declared before the devices, whose
  // tear-down still reports memslot removals to the tracer.
  DerivationLog derivations_;
  std::unique_ptr<SpteTracer> spte_tracer_;
  std::string spte_unavailable_;  // why there is no tracer
  std::unique_ptr<MemtypeDeriver> deriver_;
  bool first_touch_ = false;
  bool emulation_exits_ = false;
  unsigned guest_phys_addr_bits_ = 36;
  // KVM's TSC rate, asked once at set-up: asked later, the vCPU ioctl would wait for the
  // vCPU to leave KVM_RUN (a report asked for through --control while the guest runs).
  std::uint32_t tsc_khz_ = 0;
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
