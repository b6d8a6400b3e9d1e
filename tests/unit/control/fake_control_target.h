// FakeControlTarget: a ControlTarget that records what was asked and answers from fields a
// test sets, for the server and command tests (no Machine, no KVM).
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "vmm/control/control_target.h"

namespace vmm::control {

class FakeControlTarget : public ControlTarget {
 public:
  nlohmann::json status() override { return {{"state", paused ? "paused" : "running"}, {"vcpus", 2}}; }
  nlohmann::json slots() override { return {{"slots", nlohmann::json::array({{{"slot", 0}}})}}; }
  nlohmann::json report() override { return report_data; }
  Outcome screenshot(const std::string& path) override {
    screenshots.push_back(path);
    return Outcome::success({{"path", path}});
  }
  Outcome pause() override {
    if (stopping) return Outcome::failure(ErrorCode::Stopping, "the VM is stopping");
    const bool changed = !paused;
    paused = true;
    ++pauses;
    return Outcome::success({{"state", "paused"}, {"changed", changed}});
  }
  Outcome resume() override {
    if (stopping) return Outcome::failure(ErrorCode::Stopping, "the VM is stopping");
    const bool changed = paused;
    paused = false;
    return Outcome::success({{"state", "running"}, {"changed", changed}});
  }
  Outcome stop() override {
    stopping = true;
    return Outcome::success({{"state", "stopping"}});
  }

  std::atomic<bool> paused{false};
  std::atomic<bool> stopping{false};
  std::atomic<int> pauses{0};
  std::vector<std::string> screenshots;
  nlohmann::json report_data = {{"vmm_version", "test"}};
};

}  // namespace vmm::control
