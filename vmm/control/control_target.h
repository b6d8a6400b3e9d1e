// ControlTarget: what the control socket's commands act on. The runner implements it over
// the running Machine (vmm/run/machine_control); tests implement it with a fake. The
// control code therefore never includes the Machine or KVM.
//
// Every method is called on the control thread, one at a time. A method must not keep a
// vCPU waiting for long: it reads snapshots (the memslot table's copy, the logs' copies)
// and builds JSON from them outside any lock the vCPUs take.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "vmm/control/control_protocol.h"

namespace vmm::control {

// A command's outcome: `data` for the ok answer, or an error code and one sentence.
struct Outcome {
  bool ok = true;
  nlohmann::json data = nlohmann::json::object();
  ErrorCode code = ErrorCode::Failed;
  std::string reason;

  static Outcome success(nlohmann::json data) { return {true, std::move(data), ErrorCode::Failed, {}}; }
  static Outcome failure(ErrorCode code, std::string reason) {
    return {false, nlohmann::json::object(), code, std::move(reason)};
  }
};

class ControlTarget {
 public:
  virtual ~ControlTarget() = default;
  // {"state":"running|paused|stopping","uptime_ms":N,"vcpus":N[,"exit_status":N,"exit_reason":S]}
  virtual nlohmann::json status() = 0;
  // {"slots":[<the trace's slot object, plus "derived": its latest derivation>...]}
  virtual nlohmann::json slots() = 0;
  // The --report document as of now.
  virtual nlohmann::json report() = 0;
  // Writes the scanout as a PNG at `absolute_path`.
  virtual Outcome screenshot(const std::string& absolute_path) = 0;
  // Returns once every vCPU is parked (or refuses: the VM is stopping). Idempotent.
  virtual Outcome pause() = 0;
  virtual Outcome resume() = 0;  // idempotent
  virtual Outcome stop() = 0;    // asks for the orderly stop; returns at once
};

}  // namespace vmm::control
