// ControlClient: vmm ctl's connection to a --control socket. Blocking I/O; reads the
// greeting on connect, sends one request line, reads JSON lines back.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/unique_fd.h"

namespace vmm::control {

class ControlClient {
 public:
  // Throws std::runtime_error with one line (no socket there, refused, no greeting).
  static ControlClient connect(const std::string& path);

  const nlohmann::json& greeting() const { return greeting_; }
  // Sends {"cmd":cmd,"id":1,"args":args} (args left out when null).
  void send(const std::string& cmd, const nlohmann::json& args = nullptr);
  // The next line as JSON; nullopt when the server closed the connection. Throws
  // std::runtime_error for a line that is not JSON.
  std::optional<nlohmann::json> next();

 private:
  explicit ControlClient(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
  std::string buffer_;
  nlohmann::json greeting_;
};

}  // namespace vmm::control
