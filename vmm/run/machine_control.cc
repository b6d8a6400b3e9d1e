#include "vmm/run/machine_control.h"

#include <map>

#include "base/monotonic_clock.h"
#include "devices/gpu/virtio_gpu.h"
#include "vmm/report/derivation_json.h"
#include "vmm/report/memslot_trace.h"
#include "vmm/run/report_now.h"

namespace vmm {

using control::ErrorCode;
using control::Outcome;
using nlohmann::json;

namespace {

// What `stop` leaves vmm with, like QMP's quit: the user asked, nothing failed.
constexpr int kExitStoppedByControl = 0;

}  // namespace

std::string MachineControl::state() const {
  if (machine_.stop().requested()) return "stopping";
  return pause_.paused() ? "paused" : "running";
}

json MachineControl::status() {
  const std::uint64_t assembled = timeline_.assembled_ns();
  json j = {{"state", state()},
            {"uptime_ms", assembled == 0 ? 0 : (monotonic_ns() - assembled) / 1'000'000},
            {"vcpus", machine_.vcpus().size()}};
  if (auto reason = machine_.stop().reason()) {
    j["exit_status"] = reason->exit_status;
    j["exit_reason"] = reason->description;
  }
  return j;
}

json MachineControl::slots() {
  // The latest derivation of each slot (the log is in the order they were made).
  std::map<std::uint64_t, memtype::SlotDerivation> latest;
  for (auto& d : machine_.current_derivations()) latest.insert_or_assign(d.slot.serial, std::move(d));
  json slots = json::array();
  for (const Memslot& slot : machine_.memslots().slots()) {
    json j = memslot_json(slot);
    if (auto it = latest.find(slot.serial); it != latest.end()) j["derived"] = derivation_json(it->second);
    slots.push_back(std::move(j));
  }
  return {{"state", state()}, {"slots", std::move(slots)}};
}

json MachineControl::report() {
  const auto reason = machine_.stop().reason();
  json j = run_report_json(report_now(machine_, reason.value_or(StopReason{}), timeline_, resident_memory_));
  // The document is the one written at exit; only the stop it describes may not have come.
  if (!reason) j["stop"] = {{"exit_status", nullptr}, {"reason", "not stopped: asked through --control while " + state()}};
  return j;
}

Outcome MachineControl::screenshot(const std::string& absolute_path) {
  VirtioGpu* gpu = machine_.gpu();
  if (gpu == nullptr) return Outcome::failure(ErrorCode::Failed, "this VM has no GPU (vmm was started without --gpu)");
  std::string error;
  if (!gpu->write_scanout_png(absolute_path, &error)) return Outcome::failure(ErrorCode::Failed, error);
  return Outcome::success({{"path", absolute_path}});
}

Outcome MachineControl::pause() {
  if (machine_.stop().requested()) return Outcome::failure(ErrorCode::Stopping, "the VM is stopping");
  const bool was_paused = pause_.paused();
  if (!pause_.pause(kick_vcpus_)) return Outcome::failure(ErrorCode::Stopping, "the VM is stopping");
  // Parked vCPUs no longer change their registers: the guest's address spaces can be
  // walked as at the stop, so `slots` and `report` show what the guest gets right now.
  if (MemtypeDeriver* deriver = machine_.memtype_deriver(); deriver && !was_paused)
    deriver->at_stop(machine_.vcpus(), machine_.memslots().slots(), "pause");
  return Outcome::success({{"state", "paused"}, {"changed", !was_paused}});
}

Outcome MachineControl::resume() {
  if (machine_.stop().requested()) return Outcome::failure(ErrorCode::Stopping, "the VM is stopping");
  const bool was_paused = pause_.paused();
  pause_.resume();
  return Outcome::success({{"state", "running"}, {"changed", was_paused}});
}

Outcome MachineControl::stop() {
  machine_.stop().request(kExitStoppedByControl, "stopped through the control socket");
  return Outcome::success({{"state", "stopping"}});
}

}  // namespace vmm
