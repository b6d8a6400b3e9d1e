#include "vmm/run/report_now.h"

namespace vmm {

RunReportInput report_now(const Machine& machine, const StopReason& reason, const StartupTimeline& timeline,
                          const ResidentMemoryReader& resident_memory) {
  RunReportInput input = machine.report_input(reason);
  input.timeline =
      ReportTimeline{timeline.main_entered_ns(), timeline.assembled_ns(), timeline.first_port_write_ns()};
  input.resident_memory = resident_memory.sample(input.slots_at_exit, &input.resident_memory_error);
  return input;
}

}  // namespace vmm
