#include "vmm/run/vcpu_loop.h"

#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstring>

#include "base/monotonic_clock.h"
#include "vmm/run/exit_dispatch.h"
#include "vmm/run/exit_status.h"

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

void VcpuLoop::run() {
  run_guest();
  // A pause asked for from now on must not wait for this thread.
  if (pause_) pause_->leave();
}

void VcpuLoop::run_guest() {
  while (!stop_.requested()) {
    // Between two KVM_RUNs, so the exit before it was carried out in full: parked, the
    // vCPU's state is what the guest would see at its next instruction.
    if (pause_ && pause_->requested()) {
      pause_->park();
      continue;
    }
    const int error = vcpu_.run();
    if (error == EINTR || error == EAGAIN) {
      vcpu_.run_data()->immediate_exit = 0;
      continue;
    }
    if (error != 0) {
      fail(std::string("KVM_RUN failed: ") + std::strerror(error));
      return;
    }
    const VcpuExit exit = decode_exit(*vcpu_.run_data(), vcpu_.run_size());
    if (timeline_ && exit.kind == VcpuExit::Kind::IoOut && !timeline_->port_write_seen())
      timeline_->note_port_write(monotonic_ns());
    if (first_touch_ && exit.kind == VcpuExit::Kind::InternalError &&
        exit.code == VcpuExit::kInternalErrorEmulation && first_touch_->emulation_failure(exit, vcpu_))
      continue;
    if (auto stop = dispatch_exit(exit, {io_bus_, mmio_bus_, first_touch_}, vcpu_.index())) {
      if (stop->failure)
        fail(stop->what);
      else
        stop_.request(stop->exit_status, stop->what);
      return;
    }
  }
}

}  // namespace vmm
