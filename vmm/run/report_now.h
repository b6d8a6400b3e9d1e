// The --report document's input as of now: the machine's part, vmm's start-up timeline and
// its resident memory. One function for the report written at exit and the one the control
// socket's `report` answers with, so that both are the same document.
#pragma once

#include "vmm/assembly/machine.h"
#include "vmm/report/resident_memory.h"
#include "vmm/report/run_report.h"
#include "vmm/run/startup_timeline.h"
#include "vmm/run/stop_signal.h"

namespace vmm {

RunReportInput report_now(const Machine& machine, const StopReason& reason, const StartupTimeline& timeline,
                          const ResidentMemoryReader& resident_memory);

}  // namespace vmm
