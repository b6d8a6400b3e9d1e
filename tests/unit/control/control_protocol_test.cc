// The request parser and the encoders (vmm/control/control_protocol.h): every error code a
// line can earn, ids echoed, and the 64 KiB bound at its exact edge.
#include "vmm/control/control_protocol.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "vmm/control/control_limits.h"

namespace vmm::control {
namespace {

using nlohmann::json;

RequestError refused(std::string_view line) {
  auto parsed = parse_request(line);
  EXPECT_TRUE(std::holds_alternative<RequestError>(parsed)) << line;
  return std::holds_alternative<RequestError>(parsed) ? std::get<RequestError>(parsed)
                                                      : RequestError{nullptr, ErrorCode::Failed, ""};
}

Request accepted(std::string_view line) {
  auto parsed = parse_request(line);
  EXPECT_TRUE(std::holds_alternative<Request>(parsed))
      << line << ": " << (std::holds_alternative<RequestError>(parsed) ? std::get<RequestError>(parsed).reason : "");
  return std::holds_alternative<Request>(parsed) ? std::get<Request>(parsed) : Request{};
}

TEST(ControlProtocol, AcceptsEveryCommandWithOrWithoutIdAndArgs) {
  for (std::string_view name : kCommands) {
    Request r = accepted(R"({"cmd":")" + std::string(name) + R"("})");
    EXPECT_EQ(r.cmd, name);
    EXPECT_TRUE(r.id.is_null());
    EXPECT_TRUE(r.args.is_object() && r.args.empty());
  }
  Request r = accepted(R"({"cmd":"screenshot","id":"a-7","args":{"path":"/tmp/x.png"},"protocol":1})");
  EXPECT_EQ(r.id, "a-7");
  EXPECT_EQ(r.args["path"], "/tmp/x.png");
}

TEST(ControlProtocol, EchoesAnyScalarId) {
  for (const json& id : {json(7), json(-1.5), json("x"), json(true), json(nullptr)}) {
    Request r = accepted(json{{"cmd", "status"}, {"id", id}}.dump());
    EXPECT_EQ(r.id, id);
    // ... also in a refusal that comes after the id was read
    EXPECT_EQ(refused(json{{"cmd", "nope"}, {"id", id}}.dump()).id, id);
    const json answer = json::parse(encode_ok(id, {{"a", 1}}));
    EXPECT_EQ(answer["id"], id);
    EXPECT_EQ(answer["ok"], true);
  }
}

TEST(ControlProtocol, EveryMalformedLineGetsItsCode) {
  struct Case {
    const char* line;
    ErrorCode code;
  };
  const Case cases[] = {
      {"", ErrorCode::BadJson},
      {"{", ErrorCode::BadJson},
      {"{\"cmd\":\"status\"} trailing", ErrorCode::BadJson},
      {"\"\xff\xfe\"", ErrorCode::BadJson},  // not UTF-8
      {"[1,2]", ErrorCode::BadRequest},
      {"\"status\"", ErrorCode::BadRequest},
      {"{}", ErrorCode::BadRequest},
      {R"({"cmd":5})", ErrorCode::BadRequest},
      {R"({"cmd":"status","args":[1]})", ErrorCode::BadRequest},
      {R"({"cmd":"status","id":{"a":1}})", ErrorCode::BadRequest},
      {R"({"cmd":"status","id":[1]})", ErrorCode::BadRequest},
      {R"({"cmd":"status","arg":{}})", ErrorCode::BadRequest},  // a misspelt key
      {R"({"cmd":"status","protocol":2})", ErrorCode::BadRequest},
      {R"({"cmd":"status","protocol":"1"})", ErrorCode::BadRequest},
      {R"({"cmd":"reboot"})", ErrorCode::UnknownCommand},
      {R"({"cmd":"STATUS"})", ErrorCode::UnknownCommand},
  };
  for (const Case& c : cases) EXPECT_EQ(refused(c.line).code, c.code) << c.line;
}

TEST(ControlProtocol, EchoesOnlyShortPrintableNamesInAReason) {
  // Found by the control_request fuzz target: a "\n" in a JSON string put a line break into
  // the reason that `vmm ctl` prints as one line.
  for (const std::string line : {R"({"cmd":"re\nboot"})", R"({"cmd":"status","a\nb":1})",
                                 R"({"cmd":"a\u0000b"})", R"({"cmd":"caf\u00e9"})"}) {
    const RequestError e = refused(line);
    EXPECT_EQ(e.reason.find('\n'), std::string::npos) << line;
    EXPECT_TRUE(std::all_of(e.reason.begin(), e.reason.end(), [](char c) { return c >= 0x20 && c < 0x7f; }))
        << line << " -> " << e.reason;
  }
  EXPECT_NE(refused(R"({"cmd":"reboot"})").reason.find("\"reboot\""), std::string::npos);
  EXPECT_NE(refused(R"({"cmd":"status","arg":{}})").reason.find("\"arg\""), std::string::npos);
  const std::string long_key = std::string(R"({"cmd":"status",")") + std::string(1000, 'k') + R"(":1})";
  EXPECT_LT(refused(long_key).reason.size(), 200u);
}

TEST(ControlProtocol, NamesTheSupportedProtocolWhenAnotherIsAsked) {
  const RequestError e = refused(R"({"cmd":"status","protocol":2,"id":3})");
  EXPECT_EQ(e.id, 3);
  EXPECT_NE(e.reason.find("protocol 1"), std::string::npos) << e.reason;
}

TEST(ControlProtocol, RefusesNestingBeyondTheBound) {
  std::string deep = R"({"cmd":"status","args":{"x":)";
  for (int i = 0; i < kMaxJsonDepth; ++i) deep += "[";
  for (int i = 0; i < kMaxJsonDepth; ++i) deep += "]";
  deep += "}}";
  EXPECT_EQ(refused(deep).code, ErrorCode::BadRequest);
  // 100000 levels (in a line short enough): refused the same way, no stack overflow
  EXPECT_EQ(refused(std::string(kMaxLineBytes / 2, '[') + std::string(kMaxLineBytes / 2, ']')).code,
            ErrorCode::BadRequest);
  // within the bound: fine (args may hold anything the command ignores)
  std::string shallow = R"({"cmd":"status","args":{"x":[[[]]]}})";
  accepted(shallow);
}

TEST(ControlProtocol, TheLineBoundIsExactly64KiB) {
  const std::string request = R"({"cmd":"status"})";
  // JSON allows whitespace: pad a valid request to exactly the bound, then one byte more.
  const std::string at_bound = request + std::string(kMaxLineBytes - request.size(), ' ');
  ASSERT_EQ(at_bound.size(), 65536u);
  EXPECT_EQ(accepted(at_bound).cmd, "status");
  EXPECT_EQ(refused(at_bound + " ").code, ErrorCode::LineTooLong);
}

TEST(ControlProtocol, EncodesOneLineOfValidJsonWhateverItCarries) {
  const std::string bad_utf8 = "no scanout \xff\xfe";
  for (const std::string& line : {encode_error(1, ErrorCode::Failed, bad_utf8), encode_ok("x", {{"s", bad_utf8}}),
                                  encode_event("memslot", {{"s", bad_utf8}}), encode_greeting("0.1"),
                                  encode_dropped(5)}) {
    ASSERT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
    EXPECT_FALSE(json::parse(line, nullptr, false).is_discarded()) << line;
  }
  const json error = json::parse(encode_error("q", ErrorCode::LineTooLong, "why"));
  EXPECT_EQ(error, (json{{"id", "q"}, {"ok", false}, {"error", {{"code", "line-too-long"}, {"reason", "why"}}}}));
  const json greeting = json::parse(encode_greeting("1.2.3"));
  EXPECT_EQ(greeting["vmm"]["version"], "1.2.3");
  EXPECT_EQ(greeting["vmm"]["protocol"], 1);
  EXPECT_EQ(greeting["commands"].size(), kCommands.size());
  EXPECT_EQ(json::parse(encode_dropped(9)), (json{{"event", "dropped"}, {"count", 9}}));
}

TEST(ControlProtocol, CodesAreKebabCase) {
  const std::pair<ErrorCode, const char*> names[] = {
      {ErrorCode::BadJson, "bad-json"},           {ErrorCode::BadRequest, "bad-request"},
      {ErrorCode::UnknownCommand, "unknown-command"}, {ErrorCode::BadArgs, "bad-args"},
      {ErrorCode::LineTooLong, "line-too-long"},  {ErrorCode::TooManyClients, "too-many-clients"},
      {ErrorCode::Stopping, "stopping"},          {ErrorCode::Failed, "failed"}};
  for (auto [code, name] : names) EXPECT_EQ(to_string(code), name);
}

}  // namespace
}  // namespace vmm::control
