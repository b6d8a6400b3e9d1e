// Carries out one parsed request against a ControlTarget and says what the connection does
// next. Events are not sent from here: `events` only asks the server to subscribe the
// connection (control_server.h).
#pragma once

#include <string>

#include "vmm/control/control_protocol.h"
#include "vmm/control/control_target.h"

namespace vmm::control {

struct Answer {
  std::string line;        // the answer, '\n'-terminated
  bool subscribe = false;  // `events`: from now on, send this connection every event
};

Answer run_command(const Request& request, ControlTarget& target);

}  // namespace vmm::control
