// Runner: runs an assembled Machine until it stops, and owns everything that running
// involves: one thread per vCPU, SIGINT/SIGTERM, the guest console's input from stdin, each
// thread's seccomp confinement (--seccomp), and the stop sequence (kick every vCPU out of
// KVM, join them, then write what the user asked for at exit: the scanout PNG, the
// --report, the memslot table). The report also carries vmm's start-up timeline and its
// resident memory at the stop. With --control, the control socket's thread serves the
// commands of vmm/control (MachineControl) until the vCPUs have stopped.
#pragma once

#include <optional>

#include "vmm/assembly/machine.h"
#include "vmm/cli/options.h"
#include "vmm/control/control_socket.h"
#include "vmm/report/resident_memory.h"
#include "vmm/run/seccomp_filter.h"
#include "vmm/run/startup_timeline.h"
#include "vmm/run/stop_signal.h"

namespace vmm {

class Runner {
 public:
  // With --report or --control, opens /proc/self/smaps now, before any thread is confined
  // (see ResidentMemory): the report says how much of vmm's memory is its own. `control`:
  // --control's socket, bound at set-up.
  Runner(Machine& machine, const Options& options, StartupTimeline& timeline,
         std::optional<control::ControlSocket> control = std::nullopt);

  // Returns vmm's exit status (the guest's, 0 on reset, 3 on a VM failure, 128 + signal).
  int run();

 private:
  StopReason run_vcpus(const SeccompFilters& seccomp);
  void write_outputs(const StopReason& reason);

  Machine& machine_;
  const Options& options_;
  StartupTimeline& timeline_;
  ResidentMemoryReader resident_memory_;
  std::optional<control::ControlSocket> control_socket_;
};

}  // namespace vmm
