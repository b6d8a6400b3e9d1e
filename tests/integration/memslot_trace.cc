#include "tests/integration/memslot_trace.h"

#include <fstream>
#include <map>
#include <sstream>

#include "tests/integration/parse_number.h"

namespace vmm::test {

std::optional<std::uint64_t> trace_number(const nlohmann::json& v) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0)
    return static_cast<std::uint64_t>(v.get<std::int64_t>());
  if (!v.is_string()) return std::nullopt;
  return parse_number(v.get_ref<const std::string&>());
}

std::string TraceEvent::describe() const {
  std::ostringstream out;
  out << "line " << line << ": " << json.dump();
  return out.str();
}

namespace {

// Fills `e` from its JSON; returns why not, or "" on success.
std::string parse_event(const nlohmann::json& j, TraceEvent& e) {
  if (!j.is_object()) return "not a JSON object";
  auto str = [&](const char* key, std::string& out) -> std::string {
    if (!j.contains(key) || !j[key].is_string()) return std::string("no string \"") + key + "\"";
    out = j[key].get<std::string>();
    return "";
  };
  auto num = [&](const char* key, std::uint64_t& out) -> std::string {
    if (!j.contains(key)) return std::string("no \"") + key + "\"";
    auto v = trace_number(j[key]);
    if (!v) return std::string("\"") + key + "\" is not a number";
    out = *v;
    return "";
  };
  std::uint64_t slot = 0;
  for (std::string why : {str("event", e.event), num("slot", slot), num("guest_addr", e.guest_addr),
                          num("size", e.size), str("owner", e.owner),
                          str("requested", e.requested), str("applied", e.applied)})
    if (!why.empty()) return why;
  if (e.event != "add" && e.event != "remove" && e.event != "move" && e.event != "refuse" &&
      e.event != "install" && e.event != "derive")
    return "unknown event \"" + e.event + "\"";
  if (e.event == "derive" && !(j.contains("effective") && j["effective"].is_string()))
    return "a derive event without an \"effective\"";
  if (e.event == "refuse" && !(j.contains("reason") && j["reason"].is_string()))
    return "a refuse event without a \"reason\"";
  e.slot = static_cast<std::uint32_t>(slot);
  if (j.contains("fnv1a")) {
    auto v = trace_number(j["fnv1a"]);
    if (!v || *v > 0xffffffffu) return "\"fnv1a\" is not a 32-bit number";
    e.fnv1a = static_cast<std::uint32_t>(*v);
  }
  if (j.contains("old_guest_addr")) {
    auto v = trace_number(j["old_guest_addr"]);
    if (!v) return "\"old_guest_addr\" is not a number";
    e.old_guest_addr = *v;
  }
  e.json = j;
  return "";
}

}  // namespace

MemslotTraceFile parse_memslot_trace(std::string_view text) {
  MemslotTraceFile out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    TraceEvent e;
    e.line = line_no;
    std::string why;
    try {
      why = parse_event(nlohmann::json::parse(line), e);
    } catch (const nlohmann::json::exception& ex) {
      why = ex.what();
    }
    if (why.empty())
      out.events.push_back(std::move(e));
    else
      out.errors.push_back("line " + std::to_string(line_no) + ": " + why);
  }
  return out;
}

MemslotTraceFile read_memslot_trace(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MemslotTraceFile{{}, {"cannot open memslot trace '" + path + "'"}};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_memslot_trace(text.str());
}

std::vector<SlotLifetime> slot_lifetimes(const MemslotTraceFile& trace,
                                         std::vector<std::string>* errors) {
  std::vector<SlotLifetime> lives;
  std::map<std::uint32_t, std::size_t> open;  // slot -> index in lives
  auto error = [&](const TraceEvent& e, const char* why) {
    if (errors) errors->push_back(e.describe() + ": " + why);
  };
  for (const TraceEvent& e : trace.events) {
    if (e.event == "refuse") continue;  // a request turned down: no slot came or went
    auto it = open.find(e.slot);
    if (e.event == "add") {
      if (it != open.end()) error(e, "add of a slot that is live");
      open[e.slot] = lives.size();
      lives.push_back(SlotLifetime{e, {}, std::nullopt, std::nullopt, {}});
    } else if (it == open.end()) {
      error(e, (e.event + " of a slot that is not live").c_str());
    } else if (e.event == "move") {
      lives[it->second].moves.push_back(e);
    } else if (e.event == "install") {
      if (lives[it->second].install) error(e, "a second install of a slot");
      lives[it->second].install = e;
    } else if (e.event == "derive") {
      lives[it->second].derives.push_back(e);
    } else {
      lives[it->second].remove = e;
      open.erase(it);
    }
  }
  return lives;
}

}  // namespace vmm::test
