#include "vmm/report/probe_verdict.h"

#include <vector>

#include "vmm/memtype/combine.h"

namespace vmm {

namespace {

using memtype::MemoryType;

std::string name(MemoryType type) { return std::string(memtype::to_string(type)); }

bool classified(const std::string& cls) { return cls == "WB-like" || cls == "WC/UC-like"; }

std::string join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : separator) + p;
  return out;
}

}  // namespace

std::string expected_class(MemoryType type) { return memtype::caches_reads(type) ? "WB-like" : "WC/UC-like"; }

ProbeVerdict judge_probe(const ProbeVerdictInput& in) {
  ProbeVerdict v;
  if (in.measured_class == "baseline") {
    v.verdict = "baseline: the RAM the other mappings are timed against, not a measured memory type";
    return v;
  }
  if (in.guest_type) {
    // The rule's prediction, over host RAM (WB): IPAT makes it WB; an honoured guest PAT
    // gives what bare metal gives for the guest's type over WB (SDM Table 11-7, MTRR WB row).
    if (in.rule_says == ProbeVerdictInput::Rule::HostTypeWins) v.predicted = MemoryType::WB;
    if (in.rule_says == ProbeVerdictInput::Rule::Honoured)
      v.predicted = memtype::combine_mtrr_pat(MemoryType::WB, *in.guest_type).type;
  }
  const std::string rule = in.rule.empty() ? "no rule (no slot found)" : "the rule '" + in.rule + "'";
  const bool measured = classified(in.measured_class) && !in.cpu_emulated;
  std::vector<std::string> disagreements;
  if (v.predicted && in.derived && *v.predicted != *in.derived)
    disagreements.push_back(rule + " predicts " + name(*v.predicted) + ", but the derivation gives " +
                            name(*in.derived) + " (" + in.derived_from + ")");
  if (in.derived && measured && expected_class(*in.derived) != in.measured_class)
    disagreements.push_back("the derivation gives " + name(*in.derived) + " (" + expected_class(*in.derived) +
                            "), but the guest measured " + in.measured_class);
  if (!in.derived && v.predicted && measured && expected_class(*v.predicted) != in.measured_class)
    disagreements.push_back(rule + " predicts " + name(*v.predicted) + " (" + expected_class(*v.predicted) +
                            "), but the guest measured " + in.measured_class);
  if (!disagreements.empty()) {
    v.agrees = false;
    v.verdict = "DISAGREEMENT: " + join(disagreements, "; ");
    return v;
  }
  std::vector<std::string> said;
  if (in.derived) said.push_back("derived " + name(*in.derived) + " (" + in.derived_from + ")");
  else said.push_back("not derived: " + (in.derivation_missing.empty() ? std::string("no derivation") : in.derivation_missing));
  if (v.predicted) said.push_back(rule + " predicts " + name(*v.predicted));
  else said.push_back(rule + " predicts nothing");
  if (measured) said.push_back("measured " + in.measured_class);
  else if (in.cpu_emulated) said.push_back("not measurable here: the CPU is emulated (" + in.hypervisor + "), which models no caches");
  else said.push_back("not measured (" + (in.measured_class.empty() ? std::string("no class") : in.measured_class) + ")");
  const int answers = (in.derived ? 1 : 0) + (v.predicted ? 1 : 0) + (measured ? 1 : 0);
  if (answers >= 2) v.agrees = true;
  v.verdict = (answers >= 2 ? "agree: " : "") + join(said, "; ");
  return v;
}

}  // namespace vmm
