#include "vmm/control/control_protocol.h"

#include <algorithm>

#include "vmm/control/control_limits.h"

namespace vmm::control {

namespace {

using nlohmann::json;

// The top-level keys a request may have. Any other is refused rather than ignored: a
// misspelt "arg" must not run a command without its arguments.
constexpr std::array<std::string_view, 4> kRequestKeys = {"cmd", "id", "args", "protocol"};

bool is_scalar(const json& value) { return value.is_primitive(); }  // null, bool, number, string

// A name the client sent, echoed in a refusal's reason only when it is short printable ASCII:
// the reason is one readable line (a "\n" inside a JSON string would split it where a client
// prints it), and a 60 KiB key is no help to anyone reading it.
std::string echoed_name(const std::string& name, std::string_view otherwise) {
  const bool printable = std::all_of(name.begin(), name.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  if (printable && name.size() <= 64) return "\"" + name + "\"";
  return std::string(otherwise);
}

RequestError error(json id, ErrorCode code, std::string reason) {
  return RequestError{std::move(id), code, std::move(reason)};
}

// The lines the server writes keep their keys in the documented order ("id", "ok", "data"),
// for people reading a session through socat; what `data` holds comes sorted.
using ordered = nlohmann::ordered_json;

std::string dump(const ordered& value) {
  return value.dump(-1, ' ', false, ordered::error_handler_t::replace) + "\n";
}

// The parse, with nesting beyond kMaxJsonDepth noted and its values thrown away as they are
// read (the parser builds nothing deeper than the bound).
std::variant<json, RequestError> parse_json(std::string_view line) {
  bool too_deep = false;
  json::parser_callback_t bound = [&too_deep](int depth, json::parse_event_t, json&) {
    if (depth <= kMaxJsonDepth) return true;
    too_deep = true;
    return false;
  };
  json value = json::parse(line.begin(), line.end(), bound, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    if (too_deep)
      return error(nullptr, ErrorCode::BadRequest,
                   "the request nests arrays or objects deeper than " + std::to_string(kMaxJsonDepth));
    return error(nullptr, ErrorCode::BadJson, "the line is not one JSON value in UTF-8");
  }
  if (too_deep)
    return error(nullptr, ErrorCode::BadRequest,
                 "the request nests arrays or objects deeper than " + std::to_string(kMaxJsonDepth));
  return value;
}

}  // namespace

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::BadJson: return "bad-json";
    case ErrorCode::BadRequest: return "bad-request";
    case ErrorCode::UnknownCommand: return "unknown-command";
    case ErrorCode::BadArgs: return "bad-args";
    case ErrorCode::LineTooLong: return "line-too-long";
    case ErrorCode::TooManyClients: return "too-many-clients";
    case ErrorCode::Stopping: return "stopping";
    case ErrorCode::Failed: return "failed";
  }
  return "failed";
}

std::variant<Request, RequestError> parse_request(std::string_view line) {
  if (line.size() > kMaxLineBytes)
    return error(nullptr, ErrorCode::LineTooLong,
                 "a request line may hold at most " + std::to_string(kMaxLineBytes) + " bytes");
  auto parsed = parse_json(line);
  if (auto* failure = std::get_if<RequestError>(&parsed)) return *failure;
  const json& value = std::get<json>(parsed);
  if (!value.is_object()) return error(nullptr, ErrorCode::BadRequest, "a request is a JSON object");

  Request request;
  // The id first, so that every later refusal can carry it.
  if (auto it = value.find("id"); it != value.end()) {
    if (!is_scalar(*it)) return error(nullptr, ErrorCode::BadRequest, "\"id\" must be a string, number, boolean or null");
    request.id = *it;
  }
  for (const auto& [key, unused] : value.items()) {
    if (std::find(kRequestKeys.begin(), kRequestKeys.end(), key) == kRequestKeys.end())
      return error(request.id, ErrorCode::BadRequest,
                   "unknown key " + echoed_name(key, "(not shown: long or unprintable)") +
                       " (a request has cmd, id, args and protocol)");
  }
  if (auto it = value.find("protocol"); it != value.end()) {
    if (!it->is_number_integer() || *it != kProtocolVersion)
      return error(request.id, ErrorCode::BadRequest,
                   "this server speaks protocol " + std::to_string(kProtocolVersion) + " only");
  }
  auto cmd = value.find("cmd");
  if (cmd == value.end() || !cmd->is_string())
    return error(request.id, ErrorCode::BadRequest, "a request needs \"cmd\", a string");
  request.cmd = cmd->get<std::string>();
  if (auto it = value.find("args"); it != value.end()) {
    if (!it->is_object()) return error(request.id, ErrorCode::BadRequest, "\"args\" must be an object");
    request.args = *it;
  }
  if (std::find(kCommands.begin(), kCommands.end(), request.cmd) == kCommands.end()) {
    return error(request.id, ErrorCode::UnknownCommand,
                 "no command " + echoed_name(request.cmd, "by that name") + " (the greeting lists the commands)");
  }
  return request;
}

std::string encode_greeting(std::string_view vmm_version) {
  ordered commands = ordered::array();
  for (std::string_view name : kCommands) commands.push_back(name);
  return dump({{"vmm", {{"version", vmm_version}, {"protocol", kProtocolVersion}}}, {"commands", commands}});
}

std::string encode_ok(const json& id, const json& data) {
  return dump({{"id", ordered(id)}, {"ok", true}, {"data", ordered(data)}});
}

std::string encode_error(const json& id, ErrorCode code, std::string_view reason) {
  return dump({{"id", ordered(id)}, {"ok", false}, {"error", {{"code", to_string(code)}, {"reason", reason}}}});
}

std::string encode_error(const RequestError& failure) { return encode_error(failure.id, failure.code, failure.reason); }

std::string encode_event(std::string_view name, const json& data) {
  return dump({{"event", name}, {"data", ordered(data)}});
}

std::string encode_dropped(std::uint64_t count) { return dump({{"event", "dropped"}, {"count", count}}); }

}  // namespace vmm::control
