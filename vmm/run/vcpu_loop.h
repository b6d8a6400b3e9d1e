// VcpuLoop: runs one vCPU until the VM stops: KVM_RUN, decode the exit (vmm/kvm/vcpu_exit),
// carry it out (exit_dispatch), and turn an exit that ends the VM into a stop; a failure's
// message also says where the guest was (its registers).
#pragma once

#include "devices/bus.h"
#include "vmm/kvm/kvm_vcpu.h"
#include "vmm/run/first_touch.h"
#include "vmm/run/pause_gate.h"
#include "vmm/run/startup_timeline.h"
#include "vmm/run/stop_signal.h"

namespace vmm {

class VcpuLoop {
 public:
  // `timeline`, when given, learns when the guest first wrote to a port; `first_touch`, when
  // given, serves device slots that wait for their first touch; `pause`, when given, parks
  // the thread between two KVM_RUNs while a pause is asked for (--control).
  VcpuLoop(KvmVcpu& vcpu, Bus& io_bus, Bus& mmio_bus, StopSignal& stop,
           StartupTimeline* timeline = nullptr, FirstTouch* first_touch = nullptr, PauseGate* pause = nullptr)
      : vcpu_(vcpu), io_bus_(io_bus), mmio_bus_(mmio_bus), stop_(stop), timeline_(timeline),
        first_touch_(first_touch), pause_(pause) {}

  // Returns when a stop was requested (by anyone) or this vCPU failed.
  void run();

  // Makes a running KVM_RUN return soon; safe from any thread. The vCPU thread must have
  // the kick signal installed (install_kick_signal_handler, once per process).
  static void install_kick_signal_handler();
  static int kick_signal();

 private:
  void fail(const std::string& what);
  void run_guest();

  KvmVcpu& vcpu_;
  Bus& io_bus_;
  Bus& mmio_bus_;
  StopSignal& stop_;
  StartupTimeline* timeline_;
  FirstTouch* first_touch_;
  PauseGate* pause_;
};

}  // namespace vmm
