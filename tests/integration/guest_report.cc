#include "tests/integration/guest_report.h"

#include <sstream>

namespace vmm::test {

namespace {

constexpr std::string_view kTest = "TEST ";
constexpr std::string_view kDone = "TINY-GUEST DONE ";
constexpr std::string_view kException = "TINY-GUEST EXCEPTION ";
constexpr std::string_view kMemtypeProbe = "MEMTYPE-PROBE ";

void parse_test_line(std::string_view line, GuestReport& r) {
  std::istringstream in{std::string(line.substr(kTest.size()))};
  std::string name, verdict;
  if (!(in >> name >> verdict) || (verdict != "PASS" && verdict != "FAIL")) {
    r.malformed.emplace_back(line);
    return;
  }
  std::string detail;
  std::getline(in >> std::ws, detail);
  if (r.checks.count(name)) r.duplicates.push_back(name);
  r.checks[name] = CheckVerdict{verdict == "PASS", detail};
  r.order.push_back(name);
}

void parse_done_line(std::string_view line, GuestReport& r) {
  std::istringstream in{std::string(line.substr(kDone.size()))};
  int passed = -1, failed = -1;
  std::string w1, w2;
  if (in >> passed >> w1 >> failed >> w2 && w1 == "passed" && w2 == "failed") {
    r.done = true;
    r.done_passed = passed;
    r.done_failed = failed;
  } else {
    r.malformed.emplace_back(line);
  }
}

void parse_probe_line(std::string_view line, GuestReport& r) {
  std::istringstream in{std::string(line.substr(kMemtypeProbe.size()))};
  ProbeFields fields;
  std::string word;
  while (in >> word) {
    const std::size_t eq = word.find('=');
    if (eq == std::string::npos || eq == 0 || fields.count(word.substr(0, eq))) {
      r.malformed.emplace_back(line);
      return;
    }
    fields[word.substr(0, eq)] = word.substr(eq + 1);
  }
  if (fields.empty()) {
    r.malformed.emplace_back(line);
    return;
  }
  r.memtype_probes.push_back(std::move(fields));
}

}  // namespace

GuestReport parse_guest_report(std::string_view console) {
  GuestReport r;
  while (!console.empty()) {
    const std::size_t nl = console.find('\n');
    std::string_view line = console.substr(0, nl);
    console = nl == std::string_view::npos ? std::string_view{} : console.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with(kTest))
      parse_test_line(line, r);
    else if (line.starts_with(kDone))
      parse_done_line(line, r);
    else if (line.starts_with(kException))
      r.exceptions.emplace_back(line);
    else if (line.starts_with(kMemtypeProbe))
      parse_probe_line(line, r);
  }
  return r;
}

bool GuestReport::passed(const std::string& name) const {
  auto it = checks.find(name);
  return it != checks.end() && it->second.pass;
}

bool GuestReport::failed(const std::string& name) const {
  auto it = checks.find(name);
  return it != checks.end() && !it->second.pass;
}

std::string GuestReport::detail(const std::string& name) const {
  auto it = checks.find(name);
  return it == checks.end() ? std::string() : it->second.detail;
}

}  // namespace vmm::test
