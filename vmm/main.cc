// vmm's story, top to bottom: read what the user asked for; describe the host if that is
// all they asked; otherwise assemble the VM and run it until it stops. Any set-up failure
// becomes one line on stderr and exit status 1.
#include <csignal>
#include <cstdio>
#include <exception>
#include <optional>
#include <string_view>
#include <variant>

#include "base/monotonic_clock.h"
#include "vmm/assembly/machine.h"
#include "vmm/cli/cli.h"
#include "vmm/cli/logging.h"
#include "vmm/control/control_socket.h"
#include "vmm/control/ctl_main.h"
#include "vmm/report/host_report.h"
#include "vmm/run/exit_status.h"
#include "vmm/run/output_files.h"
#include "vmm/run/runner.h"
#include "vmm/run/startup_timeline.h"
#include "vmm/selftest/self_test.h"

int main(int argc, char** argv) {
  vmm::StartupTimeline timeline(vmm::monotonic_ns());
  // A closed stdout (`vmm ... | head`) must not kill vmm between two instructions: writes
  // then fail with EPIPE, and the console stops the VM in order (machine.cc).
  std::signal(SIGPIPE, SIG_IGN);
  // `vmm ctl ...` is the control socket's client, not a VM: its own options.
  if (argc >= 2 && std::string_view(argv[1]) == "ctl") return vmm::control::ctl_main(argc - 1, argv + 1);
  auto parsed = vmm::parse_command_line(argc, argv);
  if (const int* status = std::get_if<int>(&parsed)) return *status;  // --help, or a usage error
  const auto& options = std::get<vmm::Options>(parsed);
  try {
    vmm::configure_logging(options.log_level);
    if (options.probe_host) return vmm::run_probe_host(options.json);
    if (options.self_test) return vmm::run_self_test(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vmm: error: %s\n", e.what());
    return vmm::kExitSetupError;
  }
  const vmm::OutputFiles outputs(options);
  std::optional<vmm::control::ControlSocket> control;
  std::optional<vmm::Machine> machine;
  try {
    // Before the machine: a PATH that cannot be used is the first and only complaint.
    if (options.control) control.emplace(vmm::control::ControlSocket::listen_at(*options.control));
    machine.emplace(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vmm: error: %s\n", e.what());
    outputs.remove_created();
    return vmm::kExitSetupError;
  }
  timeline.set_assembled(vmm::monotonic_ns());
  try {
    return vmm::Runner(*machine, options, timeline, std::move(control)).run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vmm: error: %s\n", e.what());
    return vmm::kExitSetupError;
  }
}
