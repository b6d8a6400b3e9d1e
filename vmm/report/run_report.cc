#include "vmm/report/run_report.h"

#include <cerrno>
#include <fstream>
#include <optional>
#include <nlohmann/json.hpp>
#include <system_error>

#include "base/format.h"
#include "vmm/report/derivation_json.h"
#include "vmm/report/memslot_trace.h"
#include "vmm/report/probe_verdict.h"
#include "vmm/version.h"

namespace vmm {

namespace {

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

std::string get(const GuestProbeLog::Fields& fields, const char* key) {
  auto it = fields.find(key);
  return it == fields.end() ? std::string() : it->second;
}

std::optional<std::uint64_t> hex_field(const GuestProbeLog::Fields& fields, const char* key) {
  try {
    const std::string text = get(fields, key);
    if (text.empty()) return std::nullopt;
    return std::stoull(text, nullptr, 16);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The slot a guest-physical address was reached through: the last one added over it.
const Memslot* slot_at(const std::vector<MemslotEvent>& events, std::optional<std::uint64_t> gpa) {
  if (!gpa) return nullptr;
  const Memslot* found = nullptr;
  for (const auto& e : events)
    if (e.kind == MemslotEventKind::Added && e.slot.request.guest_addr <= *gpa && *gpa < e.slot.guest_end())
      found = &e.slot;
  return found;
}

// The derived mapping the probe timed: the one at the probe's virtual address (va=), else
// one of the slot at its guest-physical address with the type it asked for.
const memtype::MappingDerivation* derived_mapping(const std::vector<memtype::SlotDerivation>& derivations,
                                                  const GuestProbeLog::Fields& fields,
                                                  std::optional<memtype::MemoryType> guest_type,
                                                  const memtype::SlotDerivation** from) {
  const auto gpa = hex_field(fields, "gpa");
  const auto va = hex_field(fields, "va");
  if (!gpa) return nullptr;
  for (const auto& d : derivations) {
    if (*gpa < d.slot.gpa || *gpa - d.slot.gpa >= d.slot.size) continue;
    for (const auto& m : d.mappings) {
      const bool hit = va ? (*va >= m.run.va && *va - m.run.va < m.run.size)
                          : (*gpa >= m.run.gpa && *gpa - m.run.gpa < m.run.size && m.guest_pat_type == guest_type);
      if (hit) {
        *from = &d;
        return &m;
      }
    }
  }
  return nullptr;
}

// The policy's prediction, the derivation and the guest's measurement side by side
// (vmm/report/probe_verdict).
void judge(nlohmann::json& j, const GuestProbeLog::Fields& fields, const Memslot* slot, const RunReportInput& in,
           std::vector<std::string>& missing) {
  ProbeVerdictInput v;
  v.mapping = get(fields, "mapping");
  v.guest_type = memtype::parse_memory_type(get(fields, "pat"));
  v.measured_class = get(fields, "class");
  v.cpu_emulated = in.host.cpu_emulated;
  v.hypervisor = in.host.hypervisor;
  if (slot) {
    j["rule"] = slot->applied.rule;
    j["slot_owner"] = slot->request.owner;
    v.rule = slot->applied.rule;
    v.rule_says = slot->applied.guest_pat == GuestPat::Honoured       ? ProbeVerdictInput::Rule::Honoured
                  : slot->applied.guest_pat == GuestPat::HostTypeWins ? ProbeVerdictInput::Rule::HostTypeWins
                                                                      : ProbeVerdictInput::Rule::Unknown;
  }
  const memtype::SlotDerivation* derivation = nullptr;
  const memtype::MappingDerivation* m = derived_mapping(in.derivations, fields, v.guest_type, &derivation);
  if (m) {
    nlohmann::json derived = {{"serial", derivation->slot.serial},
                              {"moment", derivation->moment},
                              {"va", hex(m->run.va)},
                              {"pat_index", m->run.pat_index},
                              {"guest_pat_type", m->guest_pat_type ? nlohmann::json(std::string(memtype::to_string(*m->guest_pat_type))) : nlohmann::json(nullptr)},
                              {"second_level_source", memtype::to_string(derivation->second_level.source)}};
    if (m->effective) {
      derived["effective"] = std::string(memtype::to_string(m->effective->type));
      derived["rule"] = m->effective->rule;
      v.derived = m->effective->type;
      v.derived_from = std::string("PAT index ") + std::to_string(m->run.pat_index) + ", " +
                       std::string(memtype::to_string(derivation->second_level.paging)) + " from its " +
                       memtype::to_string(derivation->second_level.source);
    } else {
      derived["effective"] = nullptr;
      derived["unknown"] = m->unknown;
      v.derivation_missing = m->unknown;
    }
    j["derived"] = derived;
  } else if (v.measured_class != "baseline") {
    const bool expected = in.derivation_mode == "first-touch" || in.derivation_mode == "stop";
    v.derivation_missing = expected ? "no derivation found this mapping" : "--derive-memtype off";
    j["derived"] = nullptr;
    if (expected) missing.push_back("derivation of guest mapping " + v.mapping);
  }
  const ProbeVerdict verdict = judge_probe(v);
  j["predicted"] = verdict.predicted ? nlohmann::json(std::string(memtype::to_string(*verdict.predicted))) : nlohmann::json(nullptr);
  j["agrees"] = verdict.agrees ? nlohmann::json(*verdict.agrees) : nlohmann::json(nullptr);
  j["verdict"] = verdict.verdict;
}

nlohmann::json probe_json(const GuestProbeLog::Fields& fields, const RunReportInput& in,
                          std::vector<std::string>& missing) {
  nlohmann::json j(fields);
  for (const char* kind : {"read", "write"}) {
    auto cpb = fields.find(std::string(kind) + "_cpb_x1000");
    if (cpb == fields.end()) continue;
    if (auto value = mbps(cpb->second, in.tsc_khz)) j[std::string(kind) + "_mbps_host_tsc"] = *value;
  }
  judge(j, fields, slot_at(in.events, hex_field(fields, "gpa")), in, missing);
  return j;
}

nlohmann::json timeline_json(const std::optional<ReportTimeline>& timeline) {
  if (!timeline) return nullptr;
  auto at = [](std::uint64_t ns) { return ns ? nlohmann::json(ns) : nlohmann::json(nullptr); };
  nlohmann::json j = {{"clock", "CLOCK_MONOTONIC"},
                      {"main_entered_ns", at(timeline->main_entered_ns)},
                      {"assembled_ns", at(timeline->assembled_ns)},
                      {"first_port_write_ns", at(timeline->first_port_write_ns)}};
  if (timeline->first_port_write_ns >= timeline->main_entered_ns && timeline->first_port_write_ns)
    j["main_to_first_port_write_ns"] = timeline->first_port_write_ns - timeline->main_entered_ns;
  return j;
}

nlohmann::json resident_memory_json(const std::optional<ResidentMemory>& memory) {
  if (!memory) return nullptr;
  return {{"sampled", "at the stop, before tear-down"},
          {"total_bytes", memory->total()},
          {"guest_ram_bytes", memory->guest_ram},
          {"guest_device_bytes", memory->guest_device},
          {"own_bytes", memory->own()},
          {"own_file_bytes", memory->own_file},
          {"own_anonymous_bytes", memory->own_anonymous}};
}

nlohmann::json renderer_json(const std::optional<ReportRenderer>& renderer) {
  if (!renderer) return nullptr;
  return {{"description", renderer->description},
          {"capsets", renderer->capsets},
          {"blob_maps", renderer->blob_maps},
          {"renderer_map_info", renderer->renderer_map_info},
          {"guest_map_info", renderer->guest_map_info},
          {"fences_retired", renderer->fences_retired},
          {"renderer_errors", renderer->renderer_errors},
          {"charged_bytes", renderer->charged_bytes},
          {"charge_limit_bytes", renderer->charge_limit},
          {"charge_refusals", renderer->charge_refusals},
          {"memory_overruns", renderer->memory_overruns},
          {"live_contexts", renderer->live_contexts},
          // null: the renderer runs in vmm itself
          {"process", renderer->process
                          ? nlohmann::json{{"pid", renderer->process->pid},
                                           {"state", renderer->process->state},
                                           {"resident_bytes", renderer->process->resident_bytes}}
                          : nlohmann::json(nullptr)}};
}

}  // namespace

nlohmann::json run_report_json(const RunReportInput& in) {
  nlohmann::json events = nlohmann::json::array();
  for (const auto& event : in.events) events.push_back(memslot_event_json(event));
  nlohmann::json slots = nlohmann::json::array();
  for (const auto& slot : in.slots_at_exit) slots.push_back(memslot_json(slot));
  nlohmann::json probes = nlohmann::json::array();
  std::vector<std::string> missing;
  for (const auto& fields : in.probes) {
    probes.push_back(probe_json(fields, in, missing));
    if (!fields.contains("class")) {
      auto mapping = fields.find("mapping");
      missing.push_back("class of guest mapping " +
                        (mapping == fields.end() ? std::string("?") : mapping->second));
    }
  }
  if (in.probe_expected && in.probes.empty())
    missing.push_back("guest probe results (run the tiny guest with vmmtest.memtype=1)");
  if (in.events.empty()) missing.push_back("memslot events");
  if (in.events_dropped != 0)
    missing.push_back(std::to_string(in.events_dropped) + " memslot events after the first " +
                      std::to_string(in.events.size()) + " (only counted)");
  if (in.probes_dropped != 0)
    missing.push_back(std::to_string(in.probes_dropped) + " guest probe lines after the first " +
                      std::to_string(in.probes.size()) + " (only counted)");

  nlohmann::json derivations = nlohmann::json::array();
  for (const auto& d : in.derivations) derivations.push_back(derivation_json(d));
  if (in.derivations_dropped != 0)
    missing.push_back(std::to_string(in.derivations_dropped) + " derived memory types after the first " +
                      std::to_string(in.derivations.size()) + " (only counted)");

  if (in.timeline && in.timeline->first_port_write_ns == 0)
    missing.push_back("the guest's first port write (it never wrote to a port)");
  if (!in.resident_memory && !in.resident_memory_error.empty())
    missing.push_back("resident memory: " + in.resident_memory_error);

  return {
      {"vmm_version", kVersion},
      {"timeline", timeline_json(in.timeline)},
      {"resident_memory", resident_memory_json(in.resident_memory)},
      {"gpu_renderer", renderer_json(in.renderer)},
      {"host", in.host},
      {"policy",
       {{"mode", std::string(to_string(in.plan.mode))},
        {"mechanism", std::string(to_string(in.plan.mechanism))},
        {"honoured", in.plan.honoured},
        {"explanation", in.plan.explanation}}},
      {"memslots", {{"events", events}, {"events_dropped", in.events_dropped}, {"at_exit", slots}}},
      {"derived_memtypes",
       {{"mode", in.derivation_mode},
        {"kvm_entries", in.spte_source},
        {"derivations", derivations},
        {"dropped", in.derivations_dropped}}},
      {"guest_probe", {{"tsc_khz", in.tsc_khz}, {"mappings", probes}, {"dropped", in.probes_dropped}}},
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
