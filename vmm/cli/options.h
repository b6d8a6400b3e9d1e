// Options: everything the user asked for, after the command line and --config were merged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "devices/gpu/virtio_gpu_config.h"
#include "vmm/kvm/memtype_policy.h"
#include "vmm/run/derive_mode.h"
#include "vmm/run/seccomp_mode.h"

namespace vmm {

struct Options {
  std::string kernel;
  std::optional<std::string> initrd;
  std::string cmdline = "console=ttyS0 reboot=k panic=1";
  std::uint64_t mem_bytes = 256ull << 20;
  std::string log_level = "info";
  bool print_memslots = false;
  std::uint32_t cpus = 1;
  std::optional<std::string> memslot_trace;  // JSON lines, one per memslot event
  NonCoherentDmaMode noncoherent_dma = NonCoherentDmaMode::Auto;
  bool require_noncoherent = false;
  DeriveMode derive_memtype = DeriveMode::FirstTouch;  // when the effective type is derived
  bool gpu = false;  // a virtio-gpu PCI device
  VirtioGpuConfig gpu_config;
  std::optional<std::string> gpu_screenshot;  // PNG of the scanout, written at exit
  bool dtb = true;                      // hand the guest a device tree (SETUP_DTB)
  std::optional<std::string> dump_dtb;  // write the exact DTB given to the guest
  std::optional<std::string> report;  // --report FILE.json, written when the VM stops
  std::optional<std::string> control;  // --control PATH: the control socket (vmm/control)
  SeccompMode seccomp = SeccompMode::Enforce;  // the threads' system-call allow-lists
  bool probe_host = false;  // --probe-host: report and exit, no guest
  bool json = false;
  bool self_test = false;  // --self-test: say what this host can do, boot the tiny guest
  std::optional<std::string> self_test_guest;  // the bzImage --self-test boots instead
};

}  // namespace vmm
