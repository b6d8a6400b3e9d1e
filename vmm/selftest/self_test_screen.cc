#include "vmm/selftest/self_test_screen.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "vmm/kvm/memtype_policy.h"
#include "vmm/selftest/kvm_advice.h"

namespace vmm {

namespace {

// "label" padded to the text column.
std::string line(const std::string& label, const std::string& text) {
  std::string l = label;
  l.resize(std::max<std::size_t>(l.size() + 1, 14), ' ');
  return l + text + "\n";
}

std::string last_error_line(const std::string& err) {
  std::string last;
  std::size_t start = 0;
  while (start < err.size()) {
    const auto end = err.find('\n', start);
    const std::string l = err.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (l.rfind("vmm: error:", 0) == 0 || (l.rfind("vmm: ", 0) == 0 && l.find("(see vmm --help)") != std::string::npos))
      last = l;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return last;
}

}  // namespace

std::string kvm_lines(const HostEnvironment& env) {
  const std::string missing = missing_kvm_message(env);
  if (missing.empty()) return line("KVM", kvm_source(env));
  // The message's own last sentence points at the source tree's scripts/kvm-host; the
  // advice below says the same for an installed vmm, so only the diagnosis is kept.
  std::string diagnosis = missing.substr(0, missing.find(". The vmm repository's"));
  std::string out = line("KVM", "none: " + diagnosis);
  const auto advice = kvm_advice(env);
  for (std::size_t i = 0; i < advice.size(); ++i) out += line(i == 0 ? "  to get it" : "", advice[i]);
  return out;
}

std::string memtype_lines(const HostFacts& facts) {
  std::string out;
  try {
    const MemtypePlan plan = plan_memtype(facts, NonCoherentDmaMode::Auto, false);
    const AppliedFlags ram = slot_memtype(plan, facts, MemCacheType::CacheCoherent);
    const AppliedFlags blob = slot_memtype(plan, facts, MemCacheType::CacheNonCoherent);
    out += line("memory types", plan.explanation);
    out += line("  RAM", ram.rule + "  [KVM flags: " + ram.names + "]");
    out += line("  GPU blobs", blob.rule + "  [KVM flags: " + blob.names + "]" +
                                (plan.honoured ? "" : ": a guest's WC or UC mapping of a blob may become WB"));
  } catch (const MemtypePolicyError& e) {
    out += line("memory types", e.what());
  }
  out += line("  second level", std::string(memtype::to_string(second_level_of(facts))) + " (" +
                                     std::string(to_string(facts.flavour)) + ", " + facts.vendor_id + ")");
  out += line("  slot flag", facts.slot_flag_works
                                 ? std::string("KVM_MEM_NON_COHERENT_DMA accepted")
                                 : std::string("KVM_MEM_NON_COHERENT_DMA refused (") + std::strerror(facts.slot_flag_errno) + ")");
  out += line("  quirk", std::string("IGNORE_GUEST_PAT ") +
                             (facts.ignore_guest_pat_quirk_listed() ? "can be disabled" : "not offered") +
                             " (KVM_CAP_DISABLE_QUIRKS2)");
  if (facts.cpu_emulated)
    out += line("  measuring", "not possible: the CPU is emulated (" + facts.hypervisor +
                                   "); memory types are derived, not measured");
  return out;
}

std::string guest_lines(const GuestBoot& boot) {
  std::string out = line("guest", boot.image);
  if (!boot.run.started) return out + line("  booted", "no: " + boot.run.error);
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f s", boot.run.seconds);
  std::string booted;
  if (boot.run.timed_out)
    booted = std::string("no answer: stopped after ") + seconds;
  else if (!boot.checks.started)
    booted = std::string("no: vmm exited with status ") + std::to_string(boot.run.status) + " after " + seconds;
  else
    booted = std::string("yes, ran ") + (boot.checks.done ? "to its end" : "but did not finish") + " in " +
             seconds + " (exit status " + std::to_string(boot.run.status) + ")";
  out += line("  booted", booted);
  if (const std::string error = last_error_line(boot.run.err); !error.empty()) out += line("  vmm said", error);
  if (boot.checks.started)
    out += line("  checks", std::to_string(boot.checks.passed) + " passed, " + std::to_string(boot.checks.failed) + " failed");
  constexpr std::size_t kShown = 5;
  for (std::size_t i = 0; i < boot.checks.failures.size() && i < kShown; ++i)
    out += line("", "FAIL " + boot.checks.failures[i]);
  if (boot.checks.failures.size() > kShown)
    out += line("", "... and " + std::to_string(boot.checks.failures.size() - kShown) + " more");
  for (std::size_t i = 0; i < boot.derived.size(); ++i)
    out += line(i == 0 ? "  derived" : "", boot.derived[i]);
  return out;
}

std::string result_line(bool ok, const std::string& why) {
  return line("result", std::string(ok ? "OK: " : "FAILED: ") + why);
}

}  // namespace vmm
