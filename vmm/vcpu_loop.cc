#include "vmm/vcpu_loop.h"

#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "vmm/exit_status.h"

namespace vmm {

namespace {

void ignore_signal(int) {}

// The vCPU state worth a bug report when the guest dies: where it was and in which mode.
std::string describe_state(const KvmVcpu& vcpu) {
  try {
    const kvm_regs regs = vcpu.regs();
    const kvm_sregs sregs = vcpu.sregs();
    return fmt::format(
        "rip={:#x} rsp={:#x} rflags={:#x} cs={:#x} cr0={:#x} cr3={:#x} cr4={:#x} efer={:#x}",
        regs.rip, regs.rsp, regs.rflags, sregs.cs.selector, sregs.cr0, sregs.cr3, sregs.cr4,
        sregs.efer);
  } catch (const std::exception& e) {
    return std::string("registers unavailable: ") + e.what();
  }
}

std::string_view system_event_name(std::uint32_t type) {
  switch (type) {
    case KVM_SYSTEM_EVENT_SHUTDOWN:
      return "shutdown";
    case KVM_SYSTEM_EVENT_RESET:
      return "reset";
    case KVM_SYSTEM_EVENT_CRASH:
      return "crash";
    default:
      return "unknown";
  }
}

}  // namespace

int VcpuLoop::kick_signal() { return SIGRTMIN; }

void VcpuLoop::install_kick_signal_handler() {
  // A handler that does nothing, installed without SA_RESTART: its only job is to make a
  // blocked KVM_RUN return EINTR so the thread sees the stop request.
  struct sigaction action {};
  action.sa_handler = ignore_signal;
  sigemptyset(&action.sa_mask);
  sigaction(kick_signal(), &action, nullptr);
}

void VcpuLoop::fail(const std::string& what) {
  const std::string message =
      fmt::format("vCPU {}: {} ({})", vcpu_.index(), what, describe_state(vcpu_));
  spdlog::error("{}", message);
  stop_.request(kExitVmFailed, message);
}

void VcpuLoop::handle_io() {
  kvm_run* run = vcpu_.run_data();
  auto* data = reinterpret_cast<std::uint8_t*>(run) + run->io.data_offset;
  // `rep ins/outs` arrives as one exit with count > 1, elements packed back to back.
  for (std::uint32_t i = 0; i < run->io.count; ++i) {
    std::span<std::uint8_t> element(data + i * run->io.size, run->io.size);
    if (run->io.direction == KVM_EXIT_IO_OUT) {
      if (!io_bus_.write(run->io.port, element))
        spdlog::debug("vCPU {}: write to unclaimed port {:#x}", vcpu_.index(), run->io.port);
    } else if (!io_bus_.read(run->io.port, element)) {
      std::memset(element.data(), 0xff, element.size());  // floating ISA bus
      spdlog::debug("vCPU {}: read from unclaimed port {:#x}", vcpu_.index(), run->io.port);
    }
  }
}

void VcpuLoop::handle_mmio() {
  kvm_run* run = vcpu_.run_data();
  const std::uint32_t len = std::min<std::uint32_t>(run->mmio.len, sizeof run->mmio.data);
  std::span<std::uint8_t> data(run->mmio.data, len);
  if (run->mmio.is_write) {
    if (!mmio_bus_.write(run->mmio.phys_addr, data))
      spdlog::debug("vCPU {}: write to unclaimed MMIO {:#x}", vcpu_.index(), run->mmio.phys_addr);
  } else if (!mmio_bus_.read(run->mmio.phys_addr, data)) {
    std::memset(data.data(), 0xff, data.size());
    spdlog::debug("vCPU {}: read from unclaimed MMIO {:#x}", vcpu_.index(), run->mmio.phys_addr);
  }
}

void VcpuLoop::run() {
  kvm_run* run = vcpu_.run_data();
  while (!stop_.requested()) {
    const int error = vcpu_.run();
    if (error == EINTR || error == EAGAIN) {
      run->immediate_exit = 0;
      continue;
    }
    if (error != 0) {
      fail(std::string("KVM_RUN failed: ") + std::strerror(error));
      return;
    }
    switch (run->exit_reason) {
      case KVM_EXIT_IO:
        handle_io();
        break;
      case KVM_EXIT_MMIO:
        handle_mmio();
        break;
      case KVM_EXIT_HLT:
        // Only reached without an in-kernel LAPIC; with one, KVM parks the vCPU itself.
        spdlog::info("vCPU {} halted", vcpu_.index());
        stop_.request(0, fmt::format("vCPU {} executed HLT", vcpu_.index()));
        return;
      case KVM_EXIT_SHUTDOWN:
        fail("guest triple-faulted (KVM_EXIT_SHUTDOWN)");
        return;
      case KVM_EXIT_FAIL_ENTRY:
        fail(fmt::format("KVM could not enter the guest (KVM_EXIT_FAIL_ENTRY, hardware reason "
                         "{:#x})",
                         run->fail_entry.hardware_entry_failure_reason));
        return;
      case KVM_EXIT_INTERNAL_ERROR: {
        std::string detail = fmt::format("KVM internal error, suberror {}", run->internal.suberror);
        for (std::uint32_t i = 0; i < run->internal.ndata && i < 16; ++i)
          detail += fmt::format(" data[{}]={:#x}", i, run->internal.data[i]);
        if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION)
          detail +=
              ": KVM could not emulate an instruction (on kvm_pvm hosts ring-0 SSE, xrstor and "
              "int3/int n cannot be emulated)";
        fail(detail);
        return;
      }
      case KVM_EXIT_SYSTEM_EVENT: {
        const auto type = run->system_event.type;
        const int status = type == KVM_SYSTEM_EVENT_CRASH ? kExitVmFailed : 0;
        stop_.request(status, fmt::format("guest requested {} (KVM_EXIT_SYSTEM_EVENT)",
                                          system_event_name(type)));
        return;
      }
      default:
        fail(fmt::format("unhandled KVM exit reason {}", run->exit_reason));
        return;
    }
  }
}

}  // namespace vmm
