#include "tests/integration/process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <utility>

#include "base/unique_fd.h"

extern char** environ;

namespace vmm::test {

namespace {


struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

bool make_pipe(Pipe& p, std::string& error) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    error = std::string("pipe2: ") + std::strerror(errno);
    return false;
  }
  p.read.reset(fds[0]);
  p.write.reset(fds[1]);
  return true;
}

// posix_spawn's attributes and file actions, destroyed on every path.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

// Reads what is available; returns false at EOF or on an error other than EINTR/EAGAIN.
bool drain(int fd, std::string& into) {
  char buf[65536];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  if (n > 0) {
    into.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  return n < 0 && (errno == EINTR || errno == EAGAIN);
}

std::string tail(const std::string& s, std::size_t max) {
  if (s.size() <= max) return s;
  return "[... " + std::to_string(s.size() - max) + " bytes cut ...]" + s.substr(s.size() - max);
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout, const std::string& stdin_path) {
  ProcessResult r;
  if (argv.empty()) {
    r.start_error = "empty argv";
    return r;
  }
  Pipe out, err;
  if (!make_pipe(out, r.start_error) || !make_pipe(err, r.start_error)) return r;

  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, out.write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, err.write.get(), STDERR_FILENO);
  // Own process group, so the watchdog can kill anything it started too; default signal
  // dispositions and an empty mask, whatever the test runner set for itself.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&setup.attr, &none);
  posix_spawnattr_setsigdefault(&setup.attr, &all);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);

  const auto start = std::chrono::steady_clock::now();
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, cargv[0], &setup.actions, &setup.attr, cargv.data(), environ);
  if (rc != 0) {
    r.start_error = "cannot start '" + argv[0] + "': " + std::strerror(rc);
    return r;
  }
  r.started = true;
  // Only the child may hold the write ends, or EOF never comes.
  out.write.reset();
  err.write.reset();

  const auto deadline = start + timeout;
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    const auto now = std::chrono::steady_clock::now();
    if (!r.timed_out && now >= deadline) {
      r.timed_out = true;
      ::kill(-pid, SIGKILL);
    }
    // After the kill, give stragglers a moment to let go of the pipes, then stop waiting.
    const auto wait_until = r.timed_out ? deadline + std::chrono::seconds(5) : deadline;
    if (r.timed_out && now >= wait_until) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(wait_until - now);
    pollfd fds[2] = {{out_open ? out.read.get() : -1, POLLIN, 0},
                     {err_open ? err.read.get() : -1, POLLIN, 0}};
    const int n = ::poll(fds, 2, static_cast<int>(left.count()) + 1);
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    if (out_open && fds[0].revents) out_open = drain(out.read.get(), r.out);
    if (err_open && fds[1].revents) err_open = drain(err.read.get(), r.err);
  }

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  if (WIFEXITED(status)) {
    r.exited = true;
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.term_signal = WTERMSIG(status);
  }
  return r;
}

std::string ProcessResult::describe() const {
  std::ostringstream s;
  if (!started)
    s << "did not start: " << start_error;
  else if (timed_out)
    s << "killed by the watchdog after " << elapsed.count() << " ms";
  else if (exited)
    s << "exited with status " << exit_code << " after " << elapsed.count() << " ms";
  else
    s << "killed by signal " << term_signal << " (" << ::strsignal(term_signal) << ")";
  constexpr std::size_t kMaxShown = 16384;
  s << "\n--- stdout ---\n" << tail(out, kMaxShown) << "\n--- stderr ---\n" << tail(err, kMaxShown);
  return s.str();
}

}  // namespace vmm::test
