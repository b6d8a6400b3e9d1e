// The one screen `vmm --self-test` prints, as pure functions of what it found, so every
// kind of machine (no KVM, PVM, an emulated CPU, a guest that fails) is unit-tested.
// Each line is "label         text", the labels in one column.
#pragma once

#include <string>
#include <vector>

#include "vmm/kvm/host_environment.h"
#include "vmm/kvm/host_facts.h"
#include "vmm/selftest/child_process.h"
#include "vmm/selftest/guest_checks.h"

namespace vmm {

// Where KVM comes from; where there is none, what is missing and how to get it.
std::string kvm_lines(const HostEnvironment& env);

// What this host does for memory types: --noncoherent-dma auto's plan for RAM and for GPU
// blobs, and the facts behind it (slot flag, quirk, second level, emulated CPU).
std::string memtype_lines(const HostFacts& facts);

struct GuestBoot {
  std::string image;               // the bzImage booted
  ChildResult run;                 // the child vmm
  GuestChecks checks;              // its console read back
  std::vector<std::string> derived;  // "blob-wc: derived WC, ..." from the child's report
  bool ok() const { return run.started && !run.timed_out && run.status == 0 && checks.ok(); }
};
std::string guest_lines(const GuestBoot& boot);

// The line that ends the screen: "result        OK: ..." or "... FAILED: why".
std::string result_line(bool ok, const std::string& why);

}  // namespace vmm
