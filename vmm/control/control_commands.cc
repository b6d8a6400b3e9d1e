#include "vmm/control/control_commands.h"

namespace vmm::control {

namespace {

using nlohmann::json;

std::string answer(const Request& request, const Outcome& outcome) {
  return outcome.ok ? encode_ok(request.id, outcome.data) : encode_error(request.id, outcome.code, outcome.reason);
}

// screenshot's one argument: an absolute path, as QMP's screendump takes. A relative one
// would land in vmm's working directory, which the client cannot see, so it is refused
// (vmm ctl makes the path absolute before sending it).
Outcome screenshot(const Request& request, ControlTarget& target) {
  auto path = request.args.find("path");
  if (path == request.args.end() || !path->is_string())
    return Outcome::failure(ErrorCode::BadArgs, "screenshot needs args.path, a string");
  const std::string text = path->get<std::string>();
  if (text.empty() || text.front() != '/')
    return Outcome::failure(ErrorCode::BadArgs, "screenshot's args.path must be absolute (it is written by vmm, "
                                                "whose working directory is not the client's)");
  if (text.find('\0') != std::string::npos)
    return Outcome::failure(ErrorCode::BadArgs, "screenshot's args.path holds a NUL byte");
  return target.screenshot(text);
}

}  // namespace

Answer run_command(const Request& request, ControlTarget& target) {
  const std::string& cmd = request.cmd;
  if (cmd == "status") return {encode_ok(request.id, target.status())};
  if (cmd == "slots") return {encode_ok(request.id, target.slots())};
  if (cmd == "report") return {encode_ok(request.id, target.report())};
  if (cmd == "screenshot") return {answer(request, screenshot(request, target))};
  if (cmd == "pause") return {answer(request, target.pause())};
  if (cmd == "resume") return {answer(request, target.resume())};
  if (cmd == "stop") return {answer(request, target.stop())};
  if (cmd == "events") return {encode_ok(request.id, json{{"subscribed", true}}), true};
  // parse_request lets through only the names of kCommands, all handled above.
  return {encode_error(request.id, ErrorCode::UnknownCommand, "no command \"" + cmd + "\"")};
}

}  // namespace vmm::control
