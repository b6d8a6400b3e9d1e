// What the user sees when a confined thread (--seccomp enforce) makes a system call its
// allow-list does not contain. The filter answers such a call with SECCOMP_RET_TRAP: the
// call is not carried out, the kernel sends the thread SIGSYS, and the handler here writes
// one line to stderr and ends the process at once with status 159:
//
//   vmm: error: seccomp: the vCPU 0 thread made system call 41 (socket), which its
//   allow-list does not contain; vmm stopped (exit status 159). ...
//
// Why a trap rather than SECCOMP_RET_KILL_PROCESS: a killed process leaves only "Bad system
// call" from the shell and an audit line in the kernel log, where most users never look;
// the trap names the thread and the call where the user is looking, and is just as final —
// the call never runs, and the handler only write()s and _exit()s (both on every list). If
// the handler cannot run (SIGSYS blocked or the handler itself trapping), the kernel kills
// the process with SIGSYS: still loud, still status 159 in a shell.
//
// 159 is 128 + SIGSYS, the status a shell reports for a process killed by SIGSYS, so a
// script sees the same number either way. Other threads are not given a chance to run on:
// --report, the screenshot and the memslot table at exit are not written, since a process
// whose thread went off its list cannot be trusted to write them.
#pragma once

#include <string_view>

#include "vmm/run/exit_status.h"  // kExitSeccompViolation

namespace vmm {

// Installs the SIGSYS handler and fills the table of system call names it prints (so the
// handler allocates nothing). Call once, before any thread is confined; idempotent.
void install_seccomp_violation_handler();

// Names the calling thread in a violation report ("vCPU 0", "main"); at most 31 bytes kept.
void set_seccomp_thread_label(std::string_view label);

}  // namespace vmm
