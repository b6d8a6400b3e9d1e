// StopSignal: how any part of the VMM (a device on a vCPU thread, a failing vCPU, the main
// thread) asks the whole VM to stop, with the exit status vmm should leave with. The first
// request wins; later ones are ignored, so a guest that writes the debug-exit port twice
// cannot change the verdict.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace vmm {

struct StopReason {
  int exit_status;
  std::string description;  // for the log: "guest wrote 0 to debug-exit port 0x501"
};

class StopSignal {
 public:
  // Called after the first request, outside the lock (the VM uses it to kick vCPUs).
  void on_stop(std::function<void()> callback);

  void request(int exit_status, std::string description);
  bool requested() const;
  // The first request, once there was one (the control socket's status while stopping).
  std::optional<StopReason> reason() const;
  StopReason wait() const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::optional<StopReason> reason_;
  std::function<void()> callback_;
};

}  // namespace vmm
