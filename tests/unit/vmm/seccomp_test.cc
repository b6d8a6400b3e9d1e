// The threads' seccomp confinement without KVM: each death test installs a list on the only
// thread of a child process and makes a call, to show what the list allows and what the
// user sees when a thread steps outside it (--seccomp enforce: one line, exit status 159).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "vmm/cli/cli.h"
#include "vmm/run/seccomp_allowlists.h"
#include "vmm/run/seccomp_filter.h"
#include "vmm/run/seccomp_violation.h"

extern "C" void __sanitizer_sandbox_on_notify(void* args) __attribute__((weak));

namespace vmm {
namespace {

// A VMM_SANITIZE build links a sanitizer runtime, and SeccompFilters then allows its calls,
// reading files among them (README, seccomp): the checks that no file is read are for a
// plain build.
bool sanitizer_build() { return __sanitizer_sandbox_on_notify != nullptr; }

AllowListFacts facts_for_this_process(bool outputs = false) {
  AllowListFacts facts;
  facts.pid = getpid();
  facts.kick_signal = SIGRTMIN;
  facts.stdin_fd = STDIN_FILENO;
  facts.main_opens_files = outputs;
  facts.main_removes_files = outputs;
  return facts;
}

// Confines the calling thread or ends the child with 100 (so a failure to confine is not
// mistaken for the outcome under test).
void confine(ThreadRole role, const std::string& label, SeccompMode mode = SeccompMode::Enforce,
             bool outputs = false) {
  const SeccompFilters filters(mode, facts_for_this_process(outputs));
  if (!filters.confine_this_thread(role, label).empty()) _exit(100);
}

// Makes `call` from a child confined as `role` and expects the list to stop it: exit status
// 159 and stderr matching `report`. Whatever the call needs (a pipe, a page) is made by the
// test before this, which the death test's child runs too.
void expect_stopped(ThreadRole role, const std::string& label, const std::function<void()>& call,
                    const std::string& report, bool outputs = false) {
  auto child = [&] {
    confine(role, label, SeccompMode::Enforce, outputs);
    call();
    _exit(0);
  };
  EXPECT_EXIT(child(), ::testing::ExitedWithCode(kExitSeccompViolation), report);
}

// In `mode` a vCPU thread's socket call, outside its list, is carried out: exit status 0.
void expect_socket_carried_out(SeccompMode mode) {
  auto child = [&] {
    confine(ThreadRole::Vcpu, "vCPU 0", mode);
    _exit(socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : 1);
  };
  EXPECT_EXIT(child(), ::testing::ExitedWithCode(0), "");
}

class SeccompDeathTest : public ::testing::Test {
 protected:
  // Each death test re-runs the binary for its child: the child has exactly one thread.
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(SeccompDeathTest, VcpuThreadOpeningASocketIsStoppedAndNamed) {
  expect_stopped(
      ThreadRole::Vcpu, "vCPU 0", [] { socket(AF_INET, SOCK_STREAM, 0); },
      "^vmm: error: seccomp: the vCPU 0 thread made system call 41 \\(socket\\), which its "
      "allow-list does not contain; vmm stopped \\(exit status 159\\)\\. If vmm itself made "
      "this call, rerun with --seccomp log");
}

TEST_F(SeccompDeathTest, VcpuThreadCannotExec) {
  expect_stopped(
      ThreadRole::Vcpu, "vCPU 3",
      [] {
        char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
        execve("/bin/true", argv, nullptr);
      },
      "the vCPU 3 thread made system call 59 \\(execve\\)");
}

TEST_F(SeccompDeathTest, IoctlIsLimitedToTheRequestsOnTheList) {
  // TIOCSTI pushes bytes into a terminal's input: the classic escape through an inherited
  // tty. ioctl is on the vCPU list, but only for KVM requests and TCGETS.
  expect_stopped(
      ThreadRole::Vcpu, "vCPU 0",
      [] {
        char byte = 'x';
        ioctl(STDIN_FILENO, TIOCSTI, &byte);
      },
      "system call 16 \\(ioctl\\)");
}

TEST_F(SeccompDeathTest, NoThreadMayMapExecutableMemory) {
  expect_stopped(
      ThreadRole::Vcpu, "vCPU 0",
      [] { mmap(nullptr, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); },
      "system call 9 \\(mmap\\)");
  void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(page, MAP_FAILED);
  expect_stopped(
      ThreadRole::Main, "main", [&] { mprotect(page, 4096, PROT_READ | PROT_EXEC); },
      "the main thread made system call 10 \\(mprotect\\)");
  munmap(page, 4096);
}

TEST_F(SeccompDeathTest, VcpuThreadDoesItsDeviceWork) {
  // What a vCPU thread does for virtio-gpu and the console, all allowed: a blob's memfd,
  // mapped shared, malloc in the thread's arena, a log line, a kick, the end.
  auto child = [&] {
    confine(ThreadRole::Vcpu, "vCPU 0");
    const int fd = memfd_create("blob", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, 1 << 20) != 0) _exit(1);
    void* blob = mmap(nullptr, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (blob == MAP_FAILED) _exit(2);
    static_cast<char*>(blob)[4096] = 1;
    if (munmap(blob, 1 << 20) != 0 || close(fd) != 0) _exit(3);
    std::vector<char> big(8 << 20, 'x');  // beyond the mmap threshold
    std::string text(1000, 'y');
    if (write(STDERR_FILENO, "device work done\n", 17) != 17) _exit(4);
    // glibc's optional reads are refused softly, not fatally.
    if (!sanitizer_build() &&
        (open("/proc/sys/vm/overcommit_memory", O_RDONLY | O_CLOEXEC) != -1 || errno != EACCES))
      _exit(5);
    _exit(big[100] == 'x' && text[10] == 'y' ? 0 : 6);
  };
  EXPECT_EXIT(child(), ::testing::ExitedWithCode(0), "device work done");
}

// The render thread's drivers may start threads, but only threads: clone without
// CLONE_THREAD stops vmm, and clone3 (whose flags a filter cannot read) is refused with
// ENOSYS, after which glibc's pthread_create uses clone and succeeds.
TEST_F(SeccompDeathTest, RenderThreadStartsThreadsButNoProcesses) {
  auto child = [&] {
    // vmm has started threads before its render thread confines itself; glibc's first
    // pthread_create sets itself up (rt_sigaction) then, not on the render thread.
    pthread_t early;
    if (pthread_create(&early, nullptr, [](void*) -> void* { return nullptr; }, nullptr) != 0 ||
        pthread_join(early, nullptr) != 0)
      _exit(5);
    confine(ThreadRole::Renderer, "renderer");
    clone_args args{};
    if (syscall(SYS_clone3, &args, sizeof(args)) != -1 || errno != ENOSYS) _exit(1);
    pthread_t thread;
    if (pthread_create(&thread, nullptr, [](void*) -> void* { return nullptr; }, nullptr) != 0) _exit(2);
    if (pthread_join(thread, nullptr) != 0) _exit(3);
    if (write(STDERR_FILENO, "thread started\n", 15) != 15) _exit(4);
    _exit(0);
  };
  EXPECT_EXIT(child(), ::testing::ExitedWithCode(0), "thread started");
  expect_stopped(
      ThreadRole::Renderer, "renderer",
      [] { syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, 0); },  // a process, as fork() makes
      "system call 56 \\(clone\\)");
}

TEST_F(SeccompDeathTest, MainOpensFilesOnlyForWritingAndOnlyWhenAnOutputWasAskedFor) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("vmm-seccomp-test-" + std::to_string(getpid()) + ".json"))
                               .string();
  auto child = [&] {
    confine(ThreadRole::Main, "main", SeccompMode::Enforce, /*outputs=*/true);
    std::FILE* out = std::fopen(path.c_str(), "w");
    if (out == nullptr || std::fputs("{}\n", out) < 0 || std::fclose(out) != 0) _exit(1);
    _exit(unlink(path.c_str()) == 0 ? 0 : 2);
  };
  EXPECT_EXIT(child(), ::testing::ExitedWithCode(0), "");
  expect_stopped(
      ThreadRole::Main, "main", [&] { open(path.c_str(), O_RDWR | O_CREAT, 0600); },
      "the main thread made system call 257 \\(openat\\)", /*outputs=*/true);
  expect_stopped(
      ThreadRole::Main, "main", [&] { std::fopen(path.c_str(), "w"); }, "system call 257 \\(openat\\)");
}

TEST_F(SeccompDeathTest, StdinPumpReadsOnlyStdin) {
  if (sanitizer_build()) GTEST_SKIP() << "a sanitizer build's lists allow reading files";
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  expect_stopped(
      ThreadRole::StdinPump, "stdin pump",
      [&] {
        char byte;
        read(pipe_fds[0], &byte, 1);
      },
      "the stdin pump thread made system call 0 \\(read\\)");
  close(pipe_fds[0]);
  close(pipe_fds[1]);
}

TEST_F(SeccompDeathTest, WithSigsysBlockedTheKernelStillKillsTheProcess) {
  // The report cannot run; the call is still refused, and the process dies of SIGSYS.
  auto child = [&] {
    confine(ThreadRole::Vcpu, "vCPU 0");
    sigset_t sigsys;
    sigemptyset(&sigsys);
    sigaddset(&sigsys, SIGSYS);
    sigprocmask(SIG_BLOCK, &sigsys, nullptr);
    socket(AF_INET, SOCK_STREAM, 0);
    _exit(0);
  };
  EXPECT_EXIT(child(), ::testing::KilledBySignal(SIGSYS), "");
}

TEST_F(SeccompDeathTest, LogModeCarriesTheCallOut) { expect_socket_carried_out(SeccompMode::Log); }

TEST_F(SeccompDeathTest, OffInstallsNothing) { expect_socket_carried_out(SeccompMode::Off); }

TEST(SeccompAllowLists, EveryRuleSaysWhyAndEveryListCompiles) {
  for (bool outputs : {false, true}) {
    for (bool sanitizer : {false, true}) {
      AllowListFacts facts = facts_for_this_process(outputs);
      facts.sanitizer_runtime = sanitizer;  // a VMM_SANITIZE build's extra calls
      for (ThreadRole role : kThreadRoles) {
        const AllowList list = allow_list(role, facts);
        EXPECT_FALSE(list.allowed.empty()) << to_string(role);
        for (const auto& rule : list.allowed) EXPECT_FALSE(rule.why.empty()) << rule.syscall;
        for (const auto& denial : list.refused)
          EXPECT_FALSE(denial.rule.why.empty()) << denial.rule.syscall;
      }
      for (SeccompMode mode : {SeccompMode::Enforce, SeccompMode::Log}) {
        const SeccompFilters filters(mode, facts);
        for (ThreadRole role : kThreadRoles)
          EXPECT_GT(filters.program_size(role), 0u) << to_string(role);
      }
    }
  }
}

TEST(SeccompAllowLists, OnlyTheMainThreadMayOpenFilesAndOnlyForOutputs) {
  auto opens = [](ThreadRole role, bool outputs) {
    for (const auto& rule : allow_list(role, facts_for_this_process(outputs)).allowed)
      if (rule.syscall == "openat" || rule.syscall == "open" || rule.syscall == "unlink")
        return true;
    return false;
  };
  for (ThreadRole role : kThreadRoles) {
    EXPECT_FALSE(opens(role, false)) << to_string(role);
    EXPECT_EQ(opens(role, true), role == ThreadRole::Main) << to_string(role);
  }
}

// Not `parse`: cli_test.cc has one returning another type, and CI's unity build may compile
// both files as one source.
std::variant<Options, int> parse_args(std::vector<std::string> args) {
  args.insert(args.begin(), "vmm");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

TEST(SeccompOption, DefaultIsEnforceAndNamesParseInAnyCase) {
  EXPECT_EQ(std::get<Options>(parse_args({"--kernel", "bz"})).seccomp, SeccompMode::Enforce);
  EXPECT_EQ(std::get<Options>(parse_args({"--kernel", "bz", "--seccomp", "log"})).seccomp,
            SeccompMode::Log);
  EXPECT_EQ(std::get<Options>(parse_args({"--kernel", "bz", "--seccomp", "OFF"})).seccomp,
            SeccompMode::Off);
  EXPECT_EQ(std::get<int>(parse_args({"--kernel", "bz", "--seccomp", "strict"})), 2);
}

TEST(SeccompOption, ConfigFileKey) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("vmm-seccomp-" + std::to_string(getpid()) + ".toml");
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("kernel = \"bz\"\nseccomp = \"log\"\n", f);
    std::fclose(f);
  }
  const auto from_file = parse_args({"--config", path.string()});
  const auto overridden = parse_args({"--config", path.string(), "--seccomp", "enforce"});
  std::filesystem::remove(path);
  EXPECT_EQ(std::get<Options>(from_file).seccomp, SeccompMode::Log);
  EXPECT_EQ(std::get<Options>(overridden).seccomp, SeccompMode::Enforce);
}

}  // namespace
}  // namespace vmm
