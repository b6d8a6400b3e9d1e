// The tiny guest's console, read back: its `TEST <name> PASS|FAIL <detail>` lines and its
// closing `TINY-GUEST DONE <n> passed <m> failed`. Only what --self-test needs to say
// whether the guest booted and its checks passed.
#pragma once

#include <string>
#include <vector>

namespace vmm {

struct GuestChecks {
  bool started = false;  // "TINY-GUEST START" seen: the guest ran its first instructions
  bool done = false;     // "TINY-GUEST DONE" seen: it reached its end
  int passed = 0;
  int failed = 0;
  std::vector<std::string> failures;  // "<name> <detail>" of each FAIL line, as printed

  // Booted, ran to its end, and every check passed.
  bool ok() const { return started && done && failed == 0 && passed > 0; }
};

GuestChecks read_guest_checks(const std::string& console);

}  // namespace vmm
