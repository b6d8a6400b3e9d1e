// Fuzzes the control socket's request parser (vmm/control/control_protocol.h) and the
// command dispatch behind it (control_commands.h, over the unit tests' FakeControlTarget):
// what a control client, as untrusted as the guest, can put on one line.
//
// Input format: the bytes of one request line, as the server hands them over (without the
// '\n'; any byte, '\n' included, may appear in the input).
//
// Invariants:
//  - parse_request never throws and returns a request or an error, never both;
//  - a line over kMaxLineBytes is line-too-long, and no shorter line is;
//  - a request names one of kCommands, has an object for args and a scalar id;
//  - a refusal has a parse-level code (bad-json, bad-request, unknown-command,
//    line-too-long) and a one-line reason;
//  - every line the server would send back (the refusal, or the command's answer) is one
//    line of valid JSON ending in '\n' that echoes the request's id.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_support.h"
#include "tests/unit/control/fake_control_target.h"
#include "vmm/control/control_commands.h"
#include "vmm/control/control_limits.h"
#include "vmm/control/control_protocol.h"

namespace vmm::fuzz {
namespace {

using nlohmann::json;
using namespace vmm::control;

void check_one_line(const std::string& line, const json& id) {
  FUZZ_CHECK(!line.empty() && line.back() == '\n', "an answer ends in a newline");
  FUZZ_CHECK(line.find('\n') == line.size() - 1, "an answer is one line");
  const json parsed = json::parse(line, nullptr, false);
  FUZZ_CHECK(!parsed.is_discarded() && parsed.is_object(), "an answer is a JSON object");
  // A float id that JSON cannot hold (1e400 reads as infinity) is written as null.
  const bool representable = !id.is_number_float() || std::isfinite(id.get<double>());
  FUZZ_CHECK(!representable || parsed["id"] == id, "an answer echoes the request's id");
}

void run(std::string_view line) {
  auto parsed = parse_request(line);
  if (auto* error = std::get_if<RequestError>(&parsed)) {
    FUZZ_CHECK((error->code == ErrorCode::LineTooLong) == (line.size() > kMaxLineBytes),
               "line-too-long exactly for lines over the bound");
    FUZZ_CHECK(error->code == ErrorCode::BadJson || error->code == ErrorCode::BadRequest ||
                   error->code == ErrorCode::UnknownCommand || error->code == ErrorCode::LineTooLong,
               "the parser refuses only with parse-level codes");
    FUZZ_CHECK(!error->reason.empty() && error->reason.find('\n') == std::string::npos,
               "a refusal's reason is one line");
    FUZZ_CHECK(error->id.is_primitive(), "a refusal's id is a scalar (or null)");
    check_one_line(encode_error(*error), error->id);
    return;
  }
  const Request& request = std::get<Request>(parsed);
  FUZZ_CHECK(line.size() <= kMaxLineBytes, "no request is longer than the bound");
  FUZZ_CHECK(std::find(kCommands.begin(), kCommands.end(), request.cmd) != kCommands.end(),
             "a request names a known command");
  FUZZ_CHECK(request.args.is_object(), "args is an object");
  FUZZ_CHECK(request.id.is_primitive(), "id is a scalar (or null)");
  FakeControlTarget target;
  check_one_line(run_command(request, target).line, request.id);
}

}  // namespace
}  // namespace vmm::fuzz

namespace {
void run_bytes(const std::uint8_t* data, std::size_t size) {
  vmm::fuzz::run(std::string_view(reinterpret_cast<const char*>(data), size));
}
}  // namespace

VMM_FUZZ_TARGET_BYTES(run_bytes)
