// The system calls each of vmm's threads may make once the machine is assembled, and why.
// This file says *what* is allowed; seccomp_filter turns it into BPF and installs it, and
// seccomp_violation says what the user sees when a thread steps outside its list.
//
// Everything that needs a path, a new file, a socket, a process or a new thread happens
// before confinement (Machine's constructor: the kernel and initrd, /dev/kvm, the VM and
// vCPU fds, guest RAM, the memslot trace file, the report's first write; the runner: the
// threads, the signal handlers). After that vmm only runs the guest: KVM ioctls, the
// devices' work on the vCPU threads, console I/O, and at exit the outputs.
//
// The lists are per thread, but the threads share one address space: a thread that has
// been taken over can write the memory another thread acts on. So the largest list bounds
// what an attacker gets, and the main thread's list in particular is kept to what it needs
// (see main_thread_rules in the .cc for the one place where a path is still opened).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vmm {

// Renderer: virtio-gpu's render thread (--gpu-renderer), which runs virglrenderer and the
// host's GL/Vulkan driver; its list is the widest (see renderer_rules in the .cc).
// SpteReader: reads KVM's tracepoint buffers (--derive-memtype, where tracefs is readable).
// Control: serves the --control socket (vmm/control).
enum class ThreadRole { Vcpu, SignalWatch, StdinPump, Main, Renderer, SpteReader, Control };
inline constexpr ThreadRole kThreadRoles[] = {ThreadRole::Vcpu,     ThreadRole::SignalWatch,
                                              ThreadRole::StdinPump, ThreadRole::Main,
                                              ThreadRole::Renderer, ThreadRole::SpteReader,
                                              ThreadRole::Control};
// "vCPU", "signal watcher", "stdin pump", "main", "renderer", "KVM entry reader",
// "control socket"
std::string_view to_string(ThreadRole role);

// One condition on a system call's argument: (arg[index] & mask) == value.
struct ArgCheck {
  unsigned index;
  std::uint64_t mask;
  std::uint64_t value;
};

// The call is allowed when every check holds (none: any arguments). Several rules for one
// call are alternatives.
struct SyscallRule {
  std::string_view syscall;  // the name libseccomp knows it by
  std::vector<ArgCheck> checks;
  std::string why;
};

// A call that is refused with `error` instead of stopping vmm: only for optional probes
// that glibc makes on its own and copes with failing.
struct SoftDenial {
  SyscallRule rule;
  int error;
};

struct AllowList {
  std::vector<SyscallRule> allowed;
  std::vector<SoftDenial> refused;
};

// What the lists depend on, fixed when the machine is assembled.
struct AllowListFacts {
  int pid = 0;                      // tgkill may signal this process's threads only
  int kick_signal = 0;              // ... with this signal (VcpuLoop's) or SIGABRT
  int stdin_fd = 0;                 // the stdin pump reads this fd only
  bool main_opens_files = false;    // --report or --gpu-screenshot: written at exit by path
  bool main_removes_files = false;  // --gpu-screenshot: a PNG that failed is removed
  int main_reads_fd = -1;           // --report: /proc/self/smaps, opened at set-up (pread64)
  int renderer_reads_fd = -1;       // --gpu-renderer: /proc/self/statm, opened at set-up
  int renderer_process_pid = -1;    // --gpu-renderer in vmm-gpu-process: the render thread
                                    // talks to it, and kills it when it stops answering
  bool sanitizer_runtime = false;   // built with VMM_SANITIZE: the runtime's own calls too
  bool control = false;             // --control: its thread removes the socket at its end
  bool control_screenshots = false; // --control with --gpu: its screenshot command writes PNGs
};

AllowList allow_list(ThreadRole role, const AllowListFacts& facts);

}  // namespace vmm
