#include "tests/integration/derivation_check.h"

#include <fstream>
#include <sstream>

namespace vmm::test {

std::optional<std::string> pat_entry_name(std::uint64_t pat, unsigned index) {
  if (index > 7) return std::nullopt;
  switch ((pat >> (8 * index)) & 0xff) {
    case 0: return "UC";
    case 1: return "WC";
    case 4: return "WT";
    case 5: return "WP";
    case 6: return "WB";
    case 7: return "UC-";
    default: return std::nullopt;
  }
}

std::string npt_effective(const std::string& guest_type) { return guest_type == "UC-" ? "UC" : guest_type; }

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool cpu_flag(const std::string& cpuinfo, const std::string& flag) {
  std::istringstream lines(cpuinfo);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    for (std::string word; words >> word;)
      if (word == flag) return true;
    return false;
  }
  return false;
}

bool parameter_on(const std::string& path) {
  const std::string value = read_text(path);
  return !value.empty() && (value[0] == 'Y' || value[0] == '1');
}

}  // namespace

std::string kvm_paging_here() {
  const std::string cpuinfo = read_text("/proc/cpuinfo");
  if (cpu_flag(cpuinfo, "svm") && parameter_on("/sys/module/kvm_amd/parameters/npt")) return "npt";
  if (cpu_flag(cpuinfo, "vmx") && parameter_on("/sys/module/kvm_intel/parameters/ept")) return "ept";
  return "other";
}

std::vector<std::string> check_probe_derivations(const nlohmann::json& report, std::uint64_t guest_pat,
                                                 const std::string& paging) {
  std::vector<std::string> errors;
  auto text = [](const nlohmann::json& j, const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
  };
  const nlohmann::json mappings = report.value("/guest_probe/mappings"_json_pointer, nlohmann::json::array());
  std::size_t checked = 0;
  for (const auto& m : mappings) {
    const std::string name = text(m, "mapping");
    if (text(m, "class") == "baseline") continue;
    ++checked;
    unsigned index = 8;
    try {
      index = static_cast<unsigned>(std::stoul(text(m, "pat_index")));
    } catch (const std::exception&) {
    }
    const auto want_guest = pat_entry_name(guest_pat, index);
    if (!want_guest || *want_guest != text(m, "pat")) {
      errors.push_back(name + ": the guest printed pat=" + text(m, "pat") + " for PAT index " + text(m, "pat_index") +
                       ", which its IA32_PAT does not hold");
      continue;
    }
    if (!m.contains("derived") || !m["derived"].is_object()) {
      errors.push_back(name + ": no derivation");
      continue;
    }
    const auto& d = m["derived"];
    if (text(d, "guest_pat_type") != *want_guest)
      errors.push_back(name + ": derived guest type " + text(d, "guest_pat_type") + ", the guest's PAT entry " +
                       std::to_string(index) + " holds " + *want_guest);
    if (paging == "npt" && text(d, "effective") != npt_effective(*want_guest))
      errors.push_back(name + ": derived effective " + text(d, "effective") + ", NPT with host WB gives " +
                       npt_effective(*want_guest));
    if (m.contains("agrees") && m["agrees"] == false)
      errors.push_back(name + ": the report names a disagreement: " + text(m, "verdict"));
  }
  if (checked == 0) errors.push_back("no probed blob mapping in the report");
  return errors;
}

}  // namespace vmm::test
