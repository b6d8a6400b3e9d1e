// MachineControl: the control socket's commands (vmm/control) carried out on the running
// Machine. Built by the runner, which owns the vCPU threads: it hands over how to kick them
// (pause) and the gate they park at.
#pragma once

#include <functional>

#include "vmm/assembly/machine.h"
#include "vmm/control/control_target.h"
#include "vmm/report/resident_memory.h"
#include "vmm/run/pause_gate.h"
#include "vmm/run/startup_timeline.h"

namespace vmm {

class MachineControl : public control::ControlTarget {
 public:
  MachineControl(Machine& machine, PauseGate& pause, std::function<void()> kick_vcpus,
                 const StartupTimeline& timeline, const ResidentMemoryReader& resident_memory)
      : machine_(machine), pause_(pause), kick_vcpus_(std::move(kick_vcpus)), timeline_(timeline),
        resident_memory_(resident_memory) {}

  nlohmann::json status() override;
  nlohmann::json slots() override;
  nlohmann::json report() override;
  control::Outcome screenshot(const std::string& absolute_path) override;
  control::Outcome pause() override;
  control::Outcome resume() override;
  control::Outcome stop() override;

 private:
  std::string state() const;  // running, paused, stopping

  Machine& machine_;
  PauseGate& pause_;
  std::function<void()> kick_vcpus_;
  const StartupTimeline& timeline_;
  const ResidentMemoryReader& resident_memory_;
};

}  // namespace vmm
