#include "vmm/run/seccomp_violation.h"

#include <linux/audit.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace vmm {

namespace {

// x86-64 has fewer than 512 system calls; anything above is printed by number only.
constexpr int kNamedSyscalls = 512;
constexpr std::size_t kNameSize = 32;
char g_syscall_names[kNamedSyscalls][kNameSize];

// Static TLS of a trivially initialised array: reading it in a signal handler is safe.
thread_local char t_label[kNameSize] = "unnamed";

// Builds the report in a fixed buffer: snprintf is not async-signal-safe.
class Line {
 public:
  void add(const char* text) {
    while (*text != '\0' && len_ < sizeof buf_) buf_[len_++] = *text++;
  }
  void add_number(unsigned long value) {
    char digits[24];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value != 0);
    while (n > 0 && len_ < sizeof buf_) buf_[len_++] = digits[--n];
  }
  void write_to(int fd) const {
    std::size_t done = 0;
    while (done < len_) {
      const long n = syscall(SYS_write, fd, buf_ + done, len_ - done);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  }

 private:
  char buf_[640];
  std::size_t len_ = 0;
};

void on_sigsys(int, siginfo_t* info, void*) {
  const unsigned nr = static_cast<unsigned>(info->si_syscall);
  Line line;
  line.add("vmm: error: seccomp: the ");
  line.add(t_label);
  line.add(" thread made system call ");
  line.add_number(nr);
  if (info->si_arch != AUDIT_ARCH_X86_64) {
    line.add(" of another ABI (audit arch ");
    line.add_number(info->si_arch);
    line.add(")");
  } else if (nr < kNamedSyscalls && g_syscall_names[nr][0] != '\0') {
    line.add(" (");
    line.add(g_syscall_names[nr]);
    line.add(")");
  }
  line.add(", which its allow-list does not contain; vmm stopped (exit status ");
  line.add_number(kExitSeccompViolation);
  line.add(
      "). If vmm itself made this call, rerun with --seccomp log and see \"seccomp\" in "
      "vmm's README.\n");
  line.write_to(STDERR_FILENO);
  // Raw system calls, not write() and _exit(): a sanitizer runtime intercepts those, and its
  // interceptors make calls of their own (sigaltstack) that the list would trap again.
  syscall(SYS_exit_group, kExitSeccompViolation);
}

void fill_syscall_names() {
  for (int nr = 0; nr < kNamedSyscalls; ++nr) {
    char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
    if (name == nullptr) continue;
    std::strncpy(g_syscall_names[nr], name, kNameSize - 1);
    std::free(name);
  }
}

}  // namespace

void install_seccomp_violation_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    fill_syscall_names();
    struct sigaction action {};
    action.sa_sigaction = on_sigsys;
    action.sa_flags = SA_SIGINFO;
    sigfillset(&action.sa_mask);  // nothing else runs on this thread before _exit
    sigaction(SIGSYS, &action, nullptr);
  });
}

void set_seccomp_thread_label(std::string_view label) {
  const std::size_t n = std::min(label.size(), kNameSize - 1);
  std::memcpy(t_label, label.data(), n);
  t_label[n] = '\0';
}

}  // namespace vmm
