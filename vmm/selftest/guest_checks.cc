#include "vmm/selftest/guest_checks.h"

#include <sstream>

namespace vmm {

GuestChecks read_guest_checks(const std::string& console) {
  GuestChecks checks;
  std::istringstream in(console);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("TINY-GUEST START", 0) == 0) checks.started = true;
    if (line.rfind("TINY-GUEST DONE", 0) == 0) checks.done = true;
    if (line.rfind("TEST ", 0) != 0) continue;
    std::istringstream words(line.substr(5));
    std::string name, verdict, detail;
    words >> name >> verdict;
    std::getline(words, detail);
    if (!detail.empty() && detail.front() == ' ') detail.erase(0, 1);
    if (verdict == "PASS") {
      ++checks.passed;
    } else if (verdict == "FAIL") {
      ++checks.failed;
      checks.failures.push_back(name + " " + detail);
    }
  }
  return checks;
}

}  // namespace vmm
