// VcpuLoop: runs one vCPU until the VM stops. It turns KVM exits into bus accesses and
// turns exits it cannot handle (triple fault, failed entry, emulation error) into a stop
// with a message that says what happened and where the guest was.
#pragma once

#include "devices/bus.h"
#include "vmm/kvm/kvm_vcpu.h"
#include "vmm/stop_signal.h"

namespace vmm {

class VcpuLoop {
 public:
  VcpuLoop(KvmVcpu& vcpu, Bus& io_bus, Bus& mmio_bus, StopSignal& stop)
      : vcpu_(vcpu), io_bus_(io_bus), mmio_bus_(mmio_bus), stop_(stop) {}

  // Returns when a stop was requested (by anyone) or this vCPU failed.
  void run();

  // Makes a running KVM_RUN return soon; safe from any thread. The vCPU thread must have
  // the kick signal installed (install_kick_signal_handler, once per process).
  static void install_kick_signal_handler();
  static int kick_signal();

 private:
  void handle_io();
  void handle_mmio();
  void fail(const std::string& what);

  KvmVcpu& vcpu_;
  Bus& io_bus_;
  Bus& mmio_bus_;
  StopSignal& stop_;
};

}  // namespace vmm
