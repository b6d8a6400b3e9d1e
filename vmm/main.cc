// vmm's entry point: parse the command line, build the machine, run it, and turn every
// set-up failure into one line on stderr and exit status 1.
#include <cstdio>
#include <exception>
#include <variant>

#include "vmm/cli.h"
#include "vmm/exit_status.h"
#include "vmm/host_report.h"
#include "vmm/logging.h"
#include "vmm/machine.h"

int main(int argc, char** argv) {
  auto parsed = vmm::parse_command_line(argc, argv);
  if (const int* status = std::get_if<int>(&parsed)) return *status;
  const auto& options = std::get<vmm::Options>(parsed);
  try {
    vmm::configure_logging(options.log_level);
    if (options.probe_host) return vmm::run_probe_host(options.json);
    vmm::Machine machine(options);
    return machine.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vmm: error: %s\n", e.what());
    return vmm::kExitSetupError;
  }
}
