#include "vmm/run/seccomp_filter.h"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "base/unique_fd.h"
#include "vmm/run/seccomp_violation.h"

// Part of every sanitizer runtime's interface; absent (null) in a plain build.
extern "C" void __sanitizer_sandbox_on_notify(void* args) __attribute__((weak));

namespace vmm {

namespace {

struct ContextDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Context = std::unique_ptr<void, ContextDeleter>;

[[noreturn]] void fail(const std::string& what, int error) {
  throw std::runtime_error("seccomp: " + what + ": " + std::strerror(error));
}

void add_rule(const Context& ctx, std::uint32_t action, const SyscallRule& rule) {
  const int nr = seccomp_syscall_resolve_name(std::string(rule.syscall).c_str());
  if (nr == __NR_SCMP_ERROR)
    throw std::runtime_error("seccomp: libseccomp does not know the system call '" +
                             std::string(rule.syscall) + "'");
  std::vector<scmp_arg_cmp> compares;
  for (const ArgCheck& check : rule.checks)
    compares.push_back({check.index, SCMP_CMP_MASKED_EQ, check.mask, check.value});
  if (int rc = seccomp_rule_add_array(ctx.get(), action, nr, static_cast<unsigned>(compares.size()),
                                      compares.data());
      rc < 0)
    fail("adding the rule for " + std::string(rule.syscall), -rc);
}

// libseccomp 2.5 exports BPF only to an fd: let it write into a memfd and read that back.
std::vector<sock_filter> export_program(const Context& ctx) {
  UniqueFd fd(memfd_create("vmm-seccomp-bpf", MFD_CLOEXEC));
  if (!fd.valid()) fail("memfd_create for the BPF program", errno);
  if (int rc = seccomp_export_bpf(ctx.get(), fd.get()); rc < 0)
    fail("exporting the BPF program", -rc);
  const off_t size = lseek(fd.get(), 0, SEEK_END);
  if (size <= 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0)
    throw std::runtime_error("seccomp: libseccomp exported a BPF program of " +
                             std::to_string(size) + " bytes");
  std::vector<sock_filter> program(static_cast<std::size_t>(size) / sizeof(sock_filter));
  if (pread(fd.get(), program.data(), static_cast<std::size_t>(size), 0) != size)
    fail("reading the BPF program back", errno);
  return program;
}

std::vector<sock_filter> compile(const AllowList& list, SeccompMode mode) {
  // Anything not on the list, and any call made through another ABI (int 0x80's i386
  // numbers, x32), gets the mode's action.
  const std::uint32_t off_list = mode == SeccompMode::Enforce ? SCMP_ACT_TRAP : SCMP_ACT_LOG;
  Context ctx(seccomp_init(off_list));
  if (!ctx) throw std::runtime_error("seccomp: seccomp_init failed");
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, off_list); rc < 0)
    fail("setting the action for other ABIs", -rc);
  for (const SyscallRule& rule : list.allowed) add_rule(ctx, SCMP_ACT_ALLOW, rule);
  // With log, a soft denial is logged and carried out like any call off the list: that is
  // the default action already (and libseccomp refuses a rule that repeats it).
  if (mode == SeccompMode::Enforce)
    for (const SoftDenial& denial : list.refused)
      add_rule(ctx, SCMP_ACT_ERRNO(denial.error), denial.rule);
  return export_program(ctx);
}

}  // namespace

SeccompFilters::SeccompFilters(SeccompMode mode, AllowListFacts facts) : mode_(mode) {
  if (mode == SeccompMode::Off) return;
  if (__sanitizer_sandbox_on_notify != nullptr) {
    // A sanitizer runtime is linked in (VMM_SANITIZE): let it read what it will need for a
    // report (the memory map, its symbolizer) while it still can, and allow its own calls.
    __sanitizer_sandbox_on_notify(nullptr);
    facts.sanitizer_runtime = true;
  }
  for (ThreadRole role : kThreadRoles)
    programs_[static_cast<std::size_t>(role)] = compile(allow_list(role, facts), mode);
  if (mode == SeccompMode::Enforce) install_seccomp_violation_handler();
}

std::size_t SeccompFilters::program_size(ThreadRole role) const {
  return programs_[static_cast<std::size_t>(role)].size();
}

std::string SeccompFilters::confine_this_thread(ThreadRole role, std::string_view label) const {
  if (mode_ == SeccompMode::Off) return {};
  set_seccomp_thread_label(label);
  const std::vector<sock_filter>& program = programs_[static_cast<std::size_t>(role)];
  const sock_fprog fprog{static_cast<unsigned short>(program.size()),
                         const_cast<sock_filter*>(program.data())};
  // Required to install a filter without CAP_SYS_ADMIN; it also means nothing this thread
  // could exec would gain privileges (execve is not on any list anyway).
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return std::string("prctl(PR_SET_NO_NEW_PRIVS): ") + std::strerror(errno);
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0)
    return std::string("seccomp(SECCOMP_SET_MODE_FILTER): ") + std::strerror(errno);
  return {};
}

}  // namespace vmm
