// SeccompFilters: the allow-lists (seccomp_allowlists.h) compiled with libseccomp into one
// BPF program per kind of thread, once, at set-up; then each thread installs its own on
// itself (seccomp filters belong to a thread and are inherited only by threads it creates
// later, so every thread confines itself first thing, and main confines itself after it
// has created the others).
//
// Compiling up front means a libseccomp failure is a set-up error (exit 1) before the guest
// runs, and a thread's confinement is two system calls that allocate nothing:
// prctl(PR_SET_NO_NEW_PRIVS) and seccomp(SECCOMP_SET_MODE_FILTER).
//
// What a call outside the list gets:
//   enforce  SECCOMP_RET_TRAP, reported and fatal (seccomp_violation.h); also for a call
//            through another ABI (int 0x80, x32)
//   log      SECCOMP_RET_LOG: carried out, and the kernel logs it (dmesg: audit type=1326
//            ... syscall=NR); the soft denials are logged and carried out too
//   off      nothing is installed
#pragma once

#include <linux/filter.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "vmm/run/seccomp_allowlists.h"
#include "vmm/run/seccomp_mode.h"

namespace vmm {

class SeccompFilters {
 public:
  // Throws std::runtime_error naming the call libseccomp refused. With enforce, installs
  // the SIGSYS violation handler too. In a build with sanitizers, tells their runtime that
  // a sandbox is coming and adds its own calls to every list (facts.sanitizer_runtime).
  SeccompFilters(SeccompMode mode, AllowListFacts facts);

  SeccompMode mode() const { return mode_; }

  // Confines the calling thread to `role`'s list and names it `label` in violation
  // reports. Returns an empty string, or what failed. Does nothing with --seccomp off.
  std::string confine_this_thread(ThreadRole role, std::string_view label) const;

  // The compiled program's length in instructions (for tests).
  std::size_t program_size(ThreadRole role) const;

 private:
  SeccompMode mode_;
  std::array<std::vector<sock_filter>, std::size(kThreadRoles)> programs_;
};

}  // namespace vmm
