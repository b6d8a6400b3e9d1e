// vmm's own exit statuses. A guest's debug-exit byte is passed through unchanged, so the
// log line that ends every run says which of the two it was.
#pragma once

namespace vmm {

inline constexpr int kExitSetupError = 1;
inline constexpr int kExitUsageError = 2;
inline constexpr int kExitVmFailed = 3;
// stdout (the guest console) was closed: 128 + SIGPIPE, what a shell shows for a process a
// closed pipe killed, but vmm stopped in order and wrote its outputs.
inline constexpr int kExitStdoutClosed = 141;
// A thread made a system call outside its seccomp allow-list (--seccomp enforce). 128 +
// SIGSYS, what a shell shows for a process killed by SIGSYS (see seccomp_violation.h).
inline constexpr int kExitSeccompViolation = 159;

}  // namespace vmm
