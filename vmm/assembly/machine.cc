#include "vmm/assembly/machine.h"

#include <spdlog/spdlog.h>

#include <asm/bootparam.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <system_error>

#include "boot/boot_layout.h"
#include "boot/bzimage.h"
#include "boot/cmdline.h"
#include "boot/linux_loader.h"
#include "boot/mptable.h"
#include "devices/debug_exit.h"
#include "base/open_file_limit.h"
#include "devices/gpu/gpu_limits.h"
#include "devices/gpu/process/process_renderer.h"
#include "devices/gpu/virtio_gpu_names.h"
#include "devices/gpu/virtio_gpu.h"
#ifdef VMM_HAVE_VIRGLRENDERER
#include "devices/gpu/renderer/virgl_renderer.h"
#endif
#include "devices/i8042.h"
#include "devices/rtc_cmos.h"
#include "devices/pci/pci_registers.h"
#include "devices/pci/pci_root.h"
#include "devices/serial_8250.h"
#include "devices/virtio/virtio_pci.h"
#include "memory/address_allocator.h"
#include "memory/layout.h"
#include "vmm/assembly/entry_state.h"
#include "vmm/assembly/kvm_irq_line.h"
#include "vmm/assembly/kvm_msi_sender.h"
#include "vmm/assembly/platform_fdt.h"
#include "vmm/kvm/guest_cpuid.h"
#include "vmm/kvm/host_probe.h"
#include "vmm/kvm/kvm_probe_target.h"
#include "vmm/kvm/memtype_uapi.h"
#include "vmm/memtype/pat.h"
#include "vmm/report/memslot_report.h"
#include "vmm/run/exit_status.h"

namespace vmm {

namespace {

// Guest console bytes go straight to stdout, unbuffered by us, so a guest that dies right
// after printing still leaves its last line on the terminal. False when stdout is gone
// (EPIPE: its reader exited, SIGPIPE being ignored) or otherwise failing.
bool write_console(std::span<const std::uint8_t> bytes) {
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), stdout) == bytes.size();
  return std::fflush(stdout) == 0 && written;
}

KvmSystem open_kvm(const HostEnvironment& env) {
  if (auto missing = missing_kvm_message(env); !missing.empty()) throw std::runtime_error(missing);
  KvmSystem kvm = KvmSystem::open();
  const KvmFlavour flavour = kvm_flavour(env);
  if (flavour == KvmFlavour::Pvm)
    spdlog::warn(
        "/dev/kvm is PVM (kvm_pvm): guest kernel (ring-0) code runs emulated at roughly 1 us "
        "per instruction, so a Linux guest will be very slow; guest user space runs natively");
  else
    spdlog::debug("KVM: {}", to_string(flavour));
  if (env.cpu.emulated())
    spdlog::info("the CPU is emulated ({}): the guest runs, but timings, memory types included, "
                 "mean nothing here", env.cpu.hypervisor_name());
  return kvm;
}

void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes,
                const std::string& what) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out)
    throw std::system_error(errno, std::generic_category(), "cannot write " + what + " '" + path + "'");
}

// The kernel, with the command line checked against its limit: both are the user's input
// and are refused before /dev/kvm is opened.
BzImage read_kernel(const Options& options) {
  BzImage image = read_bzimage(options.kernel);
  check_cmdline(options.cmdline, boot_layout::kCmdlineCapacity, image.cmdline_max);
  return image;
}

HostFacts probe_vm(KvmVm& vm, const HostEnvironment& env) {
  KvmVmProbeTarget target(vm);
  return probe_host(target, env.cpu, kvm_flavour(env), kvm_uses_tdp(env));
}

}  // namespace

Machine::Machine(const Options& options)
    : options_(options),
      kernel_(read_kernel(options)),
      initrd_(options.initrd ? std::optional(read_initrd(*options.initrd, options.mem_bytes)) : std::nullopt),
      host_env_(read_host_environment(read_host_cpu())),
      kvm_(open_kvm(host_env_)),
      renderer_placement_(options.gpu && options.gpu_config.renderer != RendererKind::None
                              ? gpu::process::place_renderer()
                              : gpu::process::RendererPlacement{}),
      memory_(GuestMemory::create(options.mem_bytes, renderer_placement_.in_process()
                                                         ? GuestMemory::Backing::Anonymous
                                                         : GuestMemory::Backing::Shareable)),
      vm_(kvm_.create_vm()),
      host_facts_(probe_vm(vm_, host_env_)),
      memtype_plan_(plan_memtype(host_facts_, options.noncoherent_dma, options.require_noncoherent)),
      memslot_backend_(vm_, host_facts_, memtype_plan_),
      memslots_(memslot_backend_) {
  const int max_vcpus = kvm_.check_extension(KVM_CAP_MAX_VCPUS);
  if (max_vcpus > 0 && options_.cpus > static_cast<std::uint32_t>(max_vcpus))
    throw std::runtime_error("--cpus " + std::to_string(options_.cpus) + ": this host's KVM allows at most " +
                             std::to_string(max_vcpus));
  if (options_.report) {
    // Fail now, not after the guest ran, if the report cannot be written.
    write_run_report(*options_.report, {.host = host_facts_, .plan = memtype_plan_});
    event_log_ = std::make_unique<MemslotEventLog>(memslots_);
  }
  if (options_.report || options_.memslot_trace) memslots_.checksum_removals();
  if (options_.memslot_trace) {
    trace_ = std::make_unique<MemslotTrace>(*options_.memslot_trace);
    trace_->attach(memslots_);
    derivations_.subscribe([this](const memtype::SlotDerivation& d) { trace_->write_derivation(d); });
  }
  spdlog::info("memtype: {} on {} ({}): {}", to_string(memtype_plan_.mode),
               to_string(host_facts_.flavour), host_facts_.vendor_id, memtype_plan_.explanation);
  if (memtype_plan_.disables_quirk()) vm_.disable_quirks(kvm_memtype::kQuirkIgnoreGuestPat);
  vm_.create_irqchip_and_pit();
  add_ram_memslots();
  add_legacy_devices();
  add_pci_devices();
  load_kernel();
  create_vcpus();
  set_up_derivation();
  if (options_.print_memslots) std::fputs(format_memslot_table(memslots_.slots()).c_str(), stderr);
}

Machine::~Machine() = default;

void Machine::add_ram_memslots() {
  for (const auto& range : memory_.ranges()) {
    MemslotRequest request;
    request.guest_addr = range.guest_addr;
    request.size = range.size;
    request.host_addr = range.host;
    request.owner = range.owner;
    request.kind = SlotKind::GuestRam;
    request.cache_type = MemCacheType::CacheCoherent;  // RAM is always host-coherent
    if (auto result = memslots_.map(request); !result)
      throw std::runtime_error("cannot register guest RAM: " + result.error +
                               " (is --mem beyond what this host's KVM can address?)");
  }
}

void Machine::add_legacy_devices() {
  serial_ = std::make_shared<Serial8250>(std::make_shared<KvmIrqLine>(vm_, kCom1Irq),
                                         [this](std::span<const std::uint8_t> bytes) {
                                           if (!write_console(bytes))
                                             stop_.request(kExitStdoutClosed,
                                                           "the guest console's stdout is closed "
                                                           "or failing; stopping the VM");
                                           if (options_.report) guest_probes_.feed(bytes);
                                         });
  io_bus_.add(kCom1Base, kSerial8250Size, serial_, "com1");
  io_bus_.add(kI8042Base, kI8042Size, std::make_shared<I8042>([this] {
                stop_.request(0, "guest reset the machine through the i8042 (port 0x64)");
              }),
              "i8042");
  io_bus_.add(kRtcCmosBase, kRtcCmosSize, std::make_shared<RtcCmos>(), "rtc-cmos");
  io_bus_.add(kDebugExitPort, kDebugExitSize, std::make_shared<DebugExit>([this](int status) {
                stop_.request(status, "guest wrote " + std::to_string(status) +
                                          " to the debug-exit port 0x501");
              }),
              "debug-exit");
}

void Machine::add_pci_devices() {
  msi_sender_ = std::make_unique<KvmMsiSender>(vm_);
  const std::uint64_t ram_end = memory_.ranges().back().end();
  const std::uint64_t mmio64 = layout::mmio64_start(ram_end);
  pci_ = std::make_shared<PciRoot>(
      mmio_bus_, AddressAllocator(layout::kMmio32Start, layout::kMmio32End - layout::kMmio32Start),
      AddressAllocator(mmio64, layout::kMmio64Size),
      [this](std::uint32_t gsi) { return std::make_shared<KvmIrqLine>(vm_, gsi); });
  io_bus_.add(pci::kConfigAddressPort, pci::kConfigPortsSize, pci_, "pci");
  if (!options_.gpu) return;
  const std::uint64_t fds_wanted = gpu::limits::kMaxHostBlobs + gpu::limits::kFdsBesideHostBlobs;
  if (const std::uint64_t fds = raise_open_file_limit(fds_wanted); fds < fds_wanted)
    spdlog::warn("the open-file limit is {} (RLIMIT_NOFILE's hard limit), below the {} that "
                 "{} live HOST3D blobs need: a guest gets ERR_OUT_OF_MEMORY for a blob beyond "
                 "what the limit allows", fds, fds_wanted, gpu::limits::kMaxHostBlobs);
  RendererFactory make_renderer;
  const RendererKind kind = options_.gpu_config.renderer;
  if (!renderer_placement_.in_process()) {
    // Made on the render thread, which the process's parent-death signal then follows.
    make_renderer = [this, kind](gpu::GpuRenderer::FenceRetired on_fence,
                                 std::string* error) -> std::unique_ptr<gpu::GpuRenderer> {
      std::vector<gpu::process::SharedRam> ram;
      for (const RamRange& r : memory_.ranges()) ram.push_back({r.host, r.size, r.fd});
      return gpu::process::ProcessRenderer::create(
          renderer_placement_.program, *renderer_placement_.root, kind,
          options_.gpu_config.renderer_memory_limit, ram, std::move(on_fence), error);
    };
  }
#ifdef VMM_HAVE_VIRGLRENDERER
  else {
    make_renderer = [kind, why = renderer_placement_.why_in_process](
                        gpu::GpuRenderer::FenceRetired on_fence, std::string* error) {
      return gpu::create_virgl_renderer(kind, std::move(on_fence), error, why);
    };
  }
#else
  else if (kind != RendererKind::None && kind != RendererKind::Drm) {
    throw std::runtime_error("--gpu-renderer " + std::string(to_string(kind)) +
                             ": this vmm runs its renderer only in vmm-gpu-process (built with "
                             "-DVMM_IN_PROCESS_RENDERER=OFF), and cannot here: " +
                             renderer_placement_.why_in_process);
  }
#endif
  auto gpu = std::make_unique<VirtioGpu>(memory_, memslots_, options_.gpu_config,
                                         std::move(make_renderer));
  if (auto stats = gpu->renderer_stats()) {
    std::string capsets;
    for (const auto& capset : stats->capsets)
      capsets += (capsets.empty() ? "" : ", ") + gpu::capset_name(capset.id) + " v" +
                 std::to_string(capset.max_version);
    spdlog::info("gpu renderer: {} (capsets: {})", stats->description, capsets.empty() ? "none" : capsets);
  }
  gpu_ = gpu.get();
  const auto slot = pci_->add_device(
      std::make_shared<VirtioPciDevice>(std::move(gpu), memory_, *msi_sender_), "virtio-gpu");
  for (const auto& bar : pci_->bar_mappings())
    spdlog::info("pci 00:{:02x}.0 {} BAR{}: {:#x} + {:#x}", bar.slot, bar.device, bar.bar,
                 bar.address, bar.size);
  spdlog::debug("virtio-gpu in PCI slot {}", slot);
}

void Machine::load_kernel() {
  LinuxBootRequest request;
  request.cmdline = options_.cmdline;
  // The files are in guest RAM once loaded; vmm keeps no copy for the rest of the run (a
  // Linux kernel and its initrd would otherwise stay resident in vmm, counted as its own).
  request.initrd = std::move(initrd_);
  initrd_.reset();
  if (options_.dtb) {
    request.late_setup_data = [this](const BootSummary& placed) {
      const std::uint64_t mmio64 = layout::mmio64_start(memory_.ranges().back().end());
      PlatformFacts facts{memory_,
                          options_.cmdline,
                          options_.cpus,
                          {layout::kMmio32Start, layout::kMmio32End - layout::kMmio32Start},
                          {mmio64, layout::kMmio64Size},
                          pci_->bar_mappings(),
                          memslots_.slots(),
                          host_facts_.cpu_emulated ? host_facts_.hypervisor : ""};
      dtb_ = build_fdt(describe_platform(facts, placed));
      return std::vector<SetupDataEntry>{{SETUP_DTB, dtb_}};
    };
  }
  const LinuxBoot boot = load_linux(memory_, kernel_, request);
  std::vector<std::uint8_t>().swap(kernel_.file);
  if (options_.dump_dtb) write_file(*options_.dump_dtb, dtb_, "device tree");
  for (const auto& line : boot.summary.describe()) spdlog::debug("boot: {}", line);
  boot_entry_ = boot.entry;
}

void Machine::create_vcpus() {
  const auto supported = kvm_.supported_cpuid();
  MpTableSpec mp;
  mp.cpu_count = options_.cpus;
  for (const auto& route : pci_->irq_routes())  // PciRoot numbers pins from 1 (INTA)
    mp.pci_routes.push_back({route.slot, static_cast<std::uint8_t>(route.pin - 1),
                             static_cast<std::uint8_t>(route.gsi)});
  for (const auto& leaf : supported) {
    if (leaf.function == 1) mp.cpu_signature = leaf.eax, mp.cpu_features = leaf.edx;
    if (leaf.function == 0x80000008) guest_phys_addr_bits_ = leaf.eax & 0xff;
  }
  write_mptable(memory_, mp);

  const GuestCpuidHost cpuid_host{.tsc_deadline_timer =
                                      kvm_.check_extension(KVM_CAP_TSC_DEADLINE_TIMER) > 0};
  for (std::uint32_t index = 0; index < options_.cpus; ++index) {
    KvmVcpu& vcpu = vcpus_.emplace_back(vm_.create_vcpu(index));
    vcpu.set_cpuid(guest_cpuid(supported, index, options_.cpus, cpuid_host));
    if (index == 0) {
      apply_entry_state(vcpu, boot_entry_);
    } else {
      // Application processors wait in KVM for the guest's INIT/SIPI, which sets their
      // registers; they only need the same MTRR/PAT set-up, which Linux checks is identical
      // on every CPU.
      apply_msrs(vcpu, boot_entry_.msrs);
    }
  }
  tsc_khz_ = vcpus_.front().tsc_khz();
}

void Machine::set_up_derivation() {
  if (options_.derive_memtype == DeriveMode::Off) return;
  const std::uint64_t mmio64 = layout::mmio64_start(memory_.ranges().back().end());
  spte_tracer_ = SpteTracer::open(mmio64, mmio64 + layout::kMmio64Size, second_level_of(host_facts_),
                                  memtype::kPatLinux, &spte_unavailable_);
  if (spte_tracer_) {
    memslots_.subscribe([tracer = spte_tracer_.get()](const MemslotEvent& e) { tracer->on_memslot_event(e); });
  } else {
    spdlog::info("memtype: {}; derived types use the policy's rule for KVM's side", spte_unavailable_);
  }
  deriver_ = std::make_unique<MemtypeDeriver>(memory_, host_facts_, guest_phys_addr_bits_, derivations_,
                                              spte_tracer_.get(), spte_unavailable_);
  if (options_.derive_memtype != DeriveMode::FirstTouch) return;
  first_touch_ = true;
  memslots_.install_device_slots_on_first_touch();
  if (const int error = vm_.enable_exit_on_emulation_failure(); error == 0)
    emulation_exits_ = true;
  else
    spdlog::warn("--derive-memtype first-touch: KVM_CAP_EXIT_ON_EMULATION_FAILURE is not available ({}): "
                 "an instruction KVM cannot emulate at a blob's first access would fault in the guest; "
                 "--derive-memtype stop avoids first touches", std::strerror(error));
}

std::vector<memtype::SlotDerivation> Machine::current_derivations() const {
  if (!deriver_) return {};
  std::vector<memtype::SlotDerivation> derivations = derivations_.derivations();
  for (auto& d : derivations) memtype::rederive(d, deriver_->second_level(d.slot));
  return derivations;
}

std::map<std::uint64_t, std::string> Machine::derived_effective() const {
  std::map<std::uint64_t, std::string> latest;
  for (const auto& d : current_derivations())
    latest[d.slot.serial] = d.effective + " (" + d.moment + ", KVM side from " +
                            memtype::to_string(d.second_level.source) + ")";
  return latest;
}

RunReportInput Machine::report_input(const StopReason& stop) const {
  std::optional<ReportRenderer> renderer;
  if (auto stats = gpu_ ? gpu_->renderer_stats() : std::nullopt) {
    renderer = ReportRenderer{stats->description,     {},
                              stats->blob_maps,       stats->renderer_map_info,
                              stats->guest_map_info,  stats->fences_retired,
                              stats->renderer_errors, stats->charged_bytes,
                              stats->charge_limit,    stats->charge_refusals,
                              stats->memory_overruns, stats->live_contexts, stats->process};
    for (const auto& capset : stats->capsets)
      renderer->capsets.push_back(gpu::capset_name(capset.id) + " v" + std::to_string(capset.max_version) +
                                  " (" + std::to_string(capset.max_size) + " bytes)");
  }
  RunReportInput input{host_facts_,
          memtype_plan_,
          event_log_ ? event_log_->events() : std::vector<MemslotEvent>{},
          event_log_ ? event_log_->dropped() : 0,
          memslots_.slots(),
          guest_probes_.probes(),
          guest_probes_.dropped(),
          tsc_khz_,
          stop,
          options_.gpu};
  input.renderer = std::move(renderer);
  input.derivation_mode = std::string(to_string(options_.derive_memtype));
  input.spte_source = spte_tracer_ ? spte_tracer_->status() : spte_unavailable_;
  input.derivations = current_derivations();
  input.derivations_dropped = derivations_.dropped();
  return input;
}

}  // namespace vmm
