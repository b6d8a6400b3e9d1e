#include "devices/gpu/process/process_seccomp_policy.h"

#include <seccomp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace vmm::gpu::process {

namespace {

// process_seccomp_policy.h says why each is refused.
constexpr const char* kRefused[] = {
    "ptrace", "process_vm_readv", "process_vm_writev", "kexec_load", "kexec_file_load",
    "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff", "acct",
    "syslog", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "iopl", "ioperm",
    "quotactl", "perf_event_open", "bpf", "userfaultfd", "keyctl", "add_key", "request_key",
    "fanotify_init", "mount", "umount2", "pivot_root", "chroot", "fsopen", "fsmount", "fsconfig",
    "fspick", "move_mount", "open_tree", "mount_setattr", "setns", "unshare",
    "open_by_handle_at", "name_to_handle_at",
};

}  // namespace

bool install_process_seccomp_policy(std::string* error) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr) {
    *error = "seccomp_init failed";
    return false;
  }
  int rc = 0;
  for (const char* name : kRefused) {
    const int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) continue;  // not a call on this architecture
    if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0)) != 0) break;
  }
  if (rc == 0) {
    // Spelt out, not SCMP_A0(): the macro leaves datum_b to the compiler, which clang's
    // -Wmissing-field-initializers refuses.
    const scmp_arg_cmp not_unix{0, SCMP_CMP_NE, AF_UNIX, 0};
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1, not_unix);
  }
  if (rc == 0) rc = seccomp_load(ctx);
  seccomp_release(ctx);
  if (rc != 0) {
    *error = std::string("seccomp: ") + std::strerror(-rc);
    return false;
  }
  return true;
}

}  // namespace vmm::gpu::process
