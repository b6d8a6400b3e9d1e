#include "vmm/run_report.h"

#include <cerrno>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "vmm/memslot_trace.h"
#include "vmm/version.h"

namespace vmm {

namespace {

nlohmann::json slot_json(const Memslot& slot) {
  MemslotEvent as_event{MemslotEventKind::Added, slot, std::nullopt};
  nlohmann::json j = memslot_event_json(as_event);
  j.erase("event");
  return j;
}

// cycles/byte x1000 -> MB/s: bytes/s = tsc_khz * 1000 / (cpb_x1000 / 1000), so
// MB/s = tsc_khz / cpb_x1000.
std::optional<std::uint64_t> mbps(const std::string& cpb_x1000, std::uint32_t tsc_khz) {
  try {
    const std::uint64_t cpb = std::stoull(cpb_x1000);
    if (cpb == 0 || tsc_khz == 0) return std::nullopt;
    return static_cast<std::uint64_t>(tsc_khz) / cpb;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

nlohmann::json probe_json(const GuestProbeLog::Fields& fields, std::uint32_t tsc_khz) {
  nlohmann::json j(fields);
  for (const char* kind : {"read", "write"}) {
    auto cpb = fields.find(std::string(kind) + "_cpb_x1000");
    if (cpb == fields.end()) continue;
    if (auto value = mbps(cpb->second, tsc_khz)) j[std::string(kind) + "_mbps_host_tsc"] = *value;
  }
  // What the measurement says about the rule: a mapping the guest made WC or UC that still
  // behaves like write-back means the host's type won over the guest's PAT.
  auto pat = fields.find("pat");
  auto cls = fields.find("class");
  if (pat != fields.end() && cls != fields.end() && pat->second != "WB")
    j["verdict"] = cls->second == "WB-like"
                       ? "guest " + pat->second + " behaves as WB: host type wins (measured)"
                       : "guest " + pat->second + " honoured (measured)";
  return j;
}

}  // namespace

nlohmann::json run_report_json(const RunReportInput& in) {
  nlohmann::json events = nlohmann::json::array();
  for (const auto& event : in.events) events.push_back(memslot_event_json(event));
  nlohmann::json slots = nlohmann::json::array();
  for (const auto& slot : in.slots_at_exit) slots.push_back(slot_json(slot));
  nlohmann::json probes = nlohmann::json::array();
  std::vector<std::string> missing;
  for (const auto& fields : in.probes) {
    probes.push_back(probe_json(fields, in.tsc_khz));
    if (!fields.contains("class")) {
      auto mapping = fields.find("mapping");
      missing.push_back("class of guest mapping " +
                        (mapping == fields.end() ? std::string("?") : mapping->second));
    }
  }
  if (in.probe_expected && in.probes.empty())
    missing.push_back("guest probe results (run the tiny guest with vmmtest.memtype=1)");
  if (in.events.empty()) missing.push_back("memslot events");

  return {
      {"vmm_version", kVersion},
      {"host", in.host},
      {"policy",
       {{"mode", std::string(to_string(in.plan.mode))},
        {"mechanism", std::string(to_string(in.plan.mechanism))},
        {"honoured", in.plan.honoured},
        {"explanation", in.plan.explanation}}},
      {"memslots", {{"events", events}, {"at_exit", slots}}},
      {"guest_probe", {{"tsc_khz", in.tsc_khz}, {"mappings", probes}}},
      {"stop", {{"exit_status", in.stop.exit_status}, {"reason", in.stop.description}}},
      {"complete", missing.empty()},
      {"missing", missing},
  };
}

void write_run_report(const std::string& path, const RunReportInput& input) {
  std::ofstream out(path);
  if (!out) throw std::system_error(errno, std::generic_category(), "cannot write report '" + path + "'");
  out << run_report_json(input).dump(2) << "\n";
  if (!out) throw std::system_error(errno, std::generic_category(), "cannot write report '" + path + "'");
}

}  // namespace vmm
