// Runner: runs an assembled Machine until it stops, and owns everything that running
// involves: one thread per vCPU, SIGINT/SIGTERM, the guest console's input from stdin, each
// thread's seccomp confinement (--seccomp), and the stop sequence (kick every vCPU out of
// KVM, join them, then write what the user asked for at exit: the scanout PNG, the
// --report, the memslot table).
#pragma once

#include "vmm/assembly/machine.h"
#include "vmm/cli/options.h"
#include "vmm/run/seccomp_filter.h"
#include "vmm/run/stop_signal.h"

namespace vmm {

class Runner {
 public:
  Runner(Machine& machine, const Options& options) : machine_(machine), options_(options) {}

  // Returns vmm's exit status (the guest's, 0 on reset, 3 on a VM failure, 128 + signal).
  int run();

 private:
  StopReason run_vcpus(const SeccompFilters& seccomp);
  void write_outputs(const StopReason& reason);

  Machine& machine_;
  const Options& options_;
};

}  // namespace vmm
