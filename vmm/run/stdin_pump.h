// StdinPump: a thread that forwards what arrives on stdin to the guest's serial port, and
// that can be stopped without waiting for the user to type (an eventfd wakes its poll).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <thread>

#include "base/unique_fd.h"

namespace vmm {

class StdinPump {
 public:
  using Sink = std::function<void(std::span<const std::uint8_t>)>;

  // `on_start` runs first on the pump's thread (the runner confines it there).
  StdinPump(int input_fd, Sink sink, std::function<void()> on_start = {});
  StdinPump(const StdinPump&) = delete;
  StdinPump& operator=(const StdinPump&) = delete;
  ~StdinPump();  // stops and joins

 private:
  void pump();

  int input_fd_;
  Sink sink_;
  UniqueFd wake_;
  std::thread thread_;
};

}  // namespace vmm
