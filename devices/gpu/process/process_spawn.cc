#include "devices/gpu/process/process_spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace vmm::gpu::process {

namespace {

constexpr unsigned kCloseRangeCloexec = 1u << 2;  // CLOSE_RANGE_CLOEXEC (<linux/close_range.h>)

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// The child's end after a failure: errno to the parent, then exit.
[[noreturn]] void report_errno_and_exit(int report) {
  const int err = errno;
  [[maybe_unused]] ssize_t n = write(report, &err, sizeof(err));
  _exit(127);
}

// The child, between fork and exec: async-signal-safe calls only (vmm's other threads may
// hold malloc's or spdlog's locks). Reports a failure's errno on REPORT and exits 127.
[[noreturn]] void child(const SpawnSpec& spec, char* const* argv, char* const* envp, pid_t parent,
                        int report) {
  const auto die = [report] { report_errno_and_exit(report); };
  if (setpgid(0, 0) != 0) die();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die();
  if (getppid() != parent) _exit(127);  // vmm went before the signal was armed
  if (spec.data_limit != 0) {
    const rlimit limit{spec.data_limit, spec.data_limit};
    if (setrlimit(RLIMIT_DATA, &limit) != 0) die();
  }
  // vmm's signal mask and handlers are not the renderer's.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (dup2(spec.channel, 3) != 3) die();
  // Every other fd of vmm's (KVM's, the guest memory's memfds) stays behind: marked
  // close-on-exec (Linux 5.11), which also keeps the report pipe open until the exec.
  if (syscall(SYS_close_range, 4, ~0U, kCloseRangeCloexec) != 0) die();
  execve(argv[0], argv, envp);
  report_errno_and_exit(report);
}

}  // namespace

std::optional<Spawned> spawn_confined(const SpawnSpec& spec, std::string* error) {
  if (spec.argv.empty() || spec.channel < 0) {
    *error = "nothing to spawn";
    return std::nullopt;
  }
  const std::vector<char*> argv = c_strings(spec.argv);
  const std::vector<char*> envp = c_strings(spec.env);
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    *error = std::string("pipe2: ") + std::strerror(errno);
    return std::nullopt;
  }
  UniqueFd report_read(report[0]);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    close(report[1]);
    return std::nullopt;
  }
  if (pid == 0) child(spec, argv.data(), envp.data(), parent, report[1]);
  close(report[1]);
  Spawned out;
  out.pid = pid;
  // Our own unreaped child: its pid cannot be reused before pidfd_open refers to it.
  out.pidfd.reset(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(report_read.get(), &child_errno, sizeof(child_errno));
  } while (n < 0 && errno == EINTR);
  if (n > 0 || !out.pidfd.valid()) {
    const std::string why = n > 0 ? std::strerror(child_errno) : std::strerror(errno);
    if (!out.pidfd.valid()) kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    *error = (n > 0 ? "cannot start " + spec.argv[0] + ": " : std::string("pidfd_open: ")) + why;
    return std::nullopt;
  }
  return out;
}

std::string reap_if_exited(int pidfd) {
  siginfo_t info{};
  if (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED | WNOHANG) != 0)
    return errno == ECHILD ? "reaped already" : std::string("waitid: ") + std::strerror(errno);
  if (info.si_pid == 0) return {};
  if (info.si_code == CLD_EXITED) return "exited with status " + std::to_string(info.si_status);
  const char* name = sigabbrev_np(info.si_status);
  return "killed by signal " + std::to_string(info.si_status) + " (SIG" + (name ? name : "?") + ")";
}

}  // namespace vmm::gpu::process
