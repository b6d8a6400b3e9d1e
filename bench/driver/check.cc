#include "bench/driver/check.h"

#include <cmath>
#include <map>
#include <sstream>

#include "bench/driver/figures.h"

namespace bench {

const std::vector<std::pair<std::string, bool>>& expected_figures() {
  static const std::vector<std::pair<std::string, bool>> expected = {
      {"exit.pio", true}, {"exit.mmio", true}, {"startup.1g", true}, {"startup.1g.gpu", true},
      {"ram.startup@256M", true}, {"ram.startup@4G", true}, {"ram.startup@64G", true},
      {"ram.rss@256M", true}, {"ram.rss@4G", true}, {"ram.rss@64G", true},
      {"rss.own", false}, {"rss.own.gpu", false},
      {"blob.map.guest.per-blob", true}, {"blob.unmap.guest.per-blob", true},
      {"blob.map.guest.fixed", true}, {"blob.unmap.guest.fixed", true},
      {"blob.map.host", true}, {"blob.unmap.host", true},
      {"blob.map.host.kvm", true}, {"blob.unmap.host.kvm", true},
      {"scale.per-blob.map@1", false}, {"scale.per-blob.map@16", false},
      {"scale.per-blob.unmap@1", false}, {"scale.per-blob.unmap@16", false},
      {"scale.fixed.map@1", false}, {"scale.fixed.map@16", false},
      {"scale.fixed.unmap@1", false}, {"scale.fixed.unmap@16", false},
      {"scale.floor.add@1", false}, {"scale.floor.add@16", false},
      {"scale.floor.remove@1", false}, {"scale.floor.remove@16", false}};
  return expected;
}

namespace {

// Why `samples` (vmm's or the floor's) cannot stand for a measurement; empty when they can.
std::string sample_problem(const std::vector<double>& samples, const std::string& whose) {
  if (samples.empty()) return "no " + whose + " samples";
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (std::isfinite(samples[i]) && samples[i] > 0) continue;
    std::ostringstream s;
    s << whose << " sample " << i << " is " << samples[i] << ": not measured";
    return s.str();
  }
  return {};
}

}  // namespace

std::vector<std::string> check_measurement(const nlohmann::json& measurement) {
  std::map<std::string, Figure> by_id;
  for (const auto& j : measurement.at("figures")) {
    Figure f = figure_from_json(j);
    by_id[f.id] = f;
  }
  std::vector<std::string> problems;
  for (const auto& [id, needs_floor] : expected_figures()) {
    const auto it = by_id.find(id);
    std::string problem = it == by_id.end() ? "missing" : sample_problem(it->second.vmm, "vmm");
    // A floor that is there must be real even where it is optional.
    if (problem.empty() && (needs_floor || !it->second.floor.empty()))
      problem = sample_problem(it->second.floor, "floor");
    if (!problem.empty()) problems.push_back(id + ": " + problem);
  }
  return problems;
}

}  // namespace bench
