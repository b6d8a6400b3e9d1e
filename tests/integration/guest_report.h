// What the tiny guest printed on its console (vmm's stdout), parsed:
//   TEST <name> PASS|FAIL <detail>
//   TINY-GUEST DONE <n_pass> passed <n_fail> failed
//   TINY-GUEST EXCEPTION vector=<n> (...) ...
//   MEMTYPE-PROBE key=value key=value ...      (tests/guest/check_memtype.c)
// Anything else (vmm's own output, a kernel's) is ignored.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmm::test {

struct CheckVerdict {
  bool pass = false;
  std::string detail;
};

// One MEMTYPE-PROBE line: its key=value words, in a map.
using ProbeFields = std::map<std::string, std::string>;

struct GuestReport {
  std::map<std::string, CheckVerdict> checks;
  std::vector<std::string> order;      // check names in the order printed
  std::vector<std::string> duplicates; // names printed more than once
  std::vector<std::string> malformed;  // "TEST " lines that did not parse
  bool done = false;                   // the DONE line was seen
  int done_passed = -1;
  int done_failed = -1;
  std::vector<std::string> exceptions; // TINY-GUEST EXCEPTION lines
  std::vector<ProbeFields> memtype_probes;  // MEMTYPE-PROBE lines, in order; a line with a
                                            // word that is not key=value or a repeated key
                                            // goes to `malformed` instead

  bool passed(const std::string& name) const;
  bool failed(const std::string& name) const;
  // The detail of `name`, or "" when it was not reported.
  std::string detail(const std::string& name) const;
};

GuestReport parse_guest_report(std::string_view console);

}  // namespace vmm::test
