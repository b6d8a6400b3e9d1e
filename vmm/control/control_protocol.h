// The control protocol, version 1 (PROTOCOL.md): one JSON object per line, both ways.
// This file only turns lines into requests and answers into lines; it knows nothing of
// sockets or of the VM, so it can be tested and fuzzed on its own.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

namespace vmm::control {

// Every command a request may name, in the order the greeting lists them.
inline constexpr std::array<std::string_view, 8> kCommands = {
    "status", "slots", "report", "screenshot", "pause", "resume", "stop", "events"};

enum class ErrorCode {
  BadJson,         // the line is not JSON (or not UTF-8)
  BadRequest,      // JSON, but not a request: not an object, cmd/args/id/protocol ill-typed
  UnknownCommand,  // cmd names no command of kCommands
  BadArgs,         // a known command with arguments it cannot use (screenshot's path)
  LineTooLong,     // more than kMaxLineBytes before the '\n'
  TooManyClients,  // kMaxClients are connected already
  Stopping,        // the VM is stopping: pause/resume refused
  Failed,          // the command was understood but could not be done (no scanout)
};
// "bad-json", "bad-request", ...: the "code" the client sees.
std::string_view to_string(ErrorCode code);

struct Request {
  nlohmann::json id;  // echoed in the answer; null when the request had none
  std::string cmd;    // one of kCommands
  nlohmann::json args = nlohmann::json::object();
};

struct RequestError {
  nlohmann::json id;  // the request's id when it could be read, else null
  ErrorCode code;
  std::string reason;
};

// One line without its '\n'. Never throws.
std::variant<Request, RequestError> parse_request(std::string_view line);

// The lines the server sends, each ending in '\n'. Strings that are not UTF-8 are written
// with U+FFFD in their place, so every line is valid JSON whatever it carries.
std::string encode_greeting(std::string_view vmm_version);
std::string encode_ok(const nlohmann::json& id, const nlohmann::json& data);
std::string encode_error(const nlohmann::json& id, ErrorCode code, std::string_view reason);
std::string encode_error(const RequestError& error);
// {"event":"<name>","data":...}; the dropped notice is {"event":"dropped","count":N}.
std::string encode_event(std::string_view name, const nlohmann::json& data);
std::string encode_dropped(std::uint64_t count);

}  // namespace vmm::control
