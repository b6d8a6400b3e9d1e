// RendererProcess against a stand-in that misbehaves (renderer_process_stub.cc: any host) and
// against the real vmm-gpu-process on the renderer root (skipped, saying why, without one).
#include "devices/gpu/process/renderer_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>

#include "devices/gpu/process/renderer_placement.h"
#include "devices/gpu/process/renderer_root.h"

namespace vmm::gpu::process {
namespace {

class RendererProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = std::make_shared<std::ostringstream>();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*log_);
    previous_ = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  }
  void TearDown() override { spdlog::set_default_logger(previous_); }

  static RendererProcess::Options stub(const std::string& mode) {
    RendererProcess::Options o;
    o.command = {VMM_TEST_RENDERER_STUB, mode};
    o.environment = {"VMM_TEST=1"};
    // The production deadlines: only the silence test shortens one, on purpose.
    o.name = "renderer_process_stub";
    return o;
  }
  std::unique_ptr<RendererProcess> start(RendererProcess::Options o) {
    std::string error;
    auto p = RendererProcess::start(std::move(o), &error);
    EXPECT_TRUE(p) << error;
    return p;
  }
  // After it is gone: reaped (no zombie left), every later request an error saying so.
  static void expect_gone_for_good(RendererProcess& p) {
    EXPECT_FALSE(p.gone().empty());
    errno = 0;
    EXPECT_NE(kill(p.pid(), 0), 0) << "process " << p.pid() << " still exists (not reaped?)";
    EXPECT_EQ(errno, ESRCH);
    std::string error;
    EXPECT_FALSE(p.hello(&error));
    EXPECT_NE(error.find("is gone"), std::string::npos) << error;
  }
  // P, answering hello, killed: the next request is an error saying so, one log line names
  // NAME and how it ended, and it is gone for good.
  void expect_kill_is_an_error(std::unique_ptr<RendererProcess> p, const std::string& name) {
    ASSERT_TRUE(p);
    std::string error;
    ASSERT_TRUE(p->hello(&error)) << error;
    ASSERT_EQ(kill(p->pid(), SIGKILL), 0);
    EXPECT_FALSE(p->hello(&error));
    EXPECT_NE(error.find("killed by signal 9 (SIGKILL)"), std::string::npos) << error;
    expect_logged(*p, name, "killed by signal 9 (SIGKILL)");
    expect_gone_for_good(*p);
  }
  std::string log() const { return log_->str(); }
  // One warning line naming the process and, after it, WHAT (the channel's close or the
  // pidfd may be seen first: "closed its socket (killed by ...)" or "killed by ...").
  void expect_logged(const RendererProcess& p, const std::string& name, const std::string& what) const {
    const std::string text = log();
    const auto at = text.find("[warning] gpu renderer process " + std::to_string(p.pid()) + " (" + name + "): ");
    ASSERT_NE(at, std::string::npos) << text;
    const auto end = text.find('\n', at);
    EXPECT_NE(text.substr(at, end - at).find(what), std::string::npos) << text;
  }

  std::shared_ptr<std::ostringstream> log_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(RendererProcessTest, HelloThenShutdown) {
  auto p = start(stub("hello"));
  ASSERT_TRUE(p);
  std::string error;
  auto hello = p->hello(&error);
  ASSERT_TRUE(hello) << error;
  EXPECT_EQ(hello->virglrenderer_version, "0.0.0-stub");
  EXPECT_TRUE(p->shutdown(&error)) << error;
  EXPECT_EQ(p->gone(), "shut down (exited with status 0)");
  expect_gone_for_good(*p);
}

TEST_F(RendererProcessTest, ConfinedAtStart) {
  RendererProcess::Options o = stub("hello");
  constexpr std::uint64_t kDataLimit = 123ull << 20;
  o.data_limit = kDataLimit;
  auto p = start(o);
  ASSERT_TRUE(p);
  // Once it answers, its loader is done opening libraries: the fds counted below are its own.
  std::string error;
  ASSERT_TRUE(p->hello(&error)) << error;
  EXPECT_EQ(getpgid(p->pid()), p->pid()) << "a process group of its own";
  std::ifstream limits("/proc/" + std::to_string(p->pid()) + "/limits");
  std::string line, data;
  while (std::getline(limits, line))
    if (line.starts_with("Max data size")) data = line;
  EXPECT_NE(data.find(std::to_string(kDataLimit)), std::string::npos) << data;
  std::ifstream environ("/proc/" + std::to_string(p->pid()) + "/environ");
  std::string env((std::istreambuf_iterator<char>(environ)), {});
  EXPECT_EQ(env, std::string("VMM_TEST=1") + '\0') << "only the environment given";
  // vmm's other fds stay behind (close_range CLOEXEC in the child).
  int fds = 0;
  for (int fd = 0; fd < 64; ++fd)
    if (access(("/proc/" + std::to_string(p->pid()) + "/fd/" + std::to_string(fd)).c_str(), F_OK) == 0) ++fds;
  EXPECT_LE(fds, 4) << "stdin, stdout, stderr and the channel only";
}

TEST_F(RendererProcessTest, KilledProcessIsAnErrorAndALogLine) {
  expect_kill_is_an_error(start(stub("hello")), "renderer_process_stub");
}

// Each way the process can answer wrongly: a protocol error, the process killed and reaped.
class HostileProcessTest : public RendererProcessTest,
                           public ::testing::WithParamInterface<std::pair<const char*, const char*>> {};

TEST_P(HostileProcessTest, IsAProtocolErrorNeverACrash) {
  const auto [mode, expected] = GetParam();
  auto p = start(stub(mode));
  ASSERT_TRUE(p);
  std::string error;
  EXPECT_FALSE(p->hello(&error));
  EXPECT_NE(error.find(expected), std::string::npos) << error;
  EXPECT_NE(log().find("gpu renderer process " + std::to_string(p->pid())), std::string::npos) << log();
  expect_gone_for_good(*p);
}

INSTANTIATE_TEST_SUITE_P(
    Modes, HostileProcessTest,
    ::testing::Values(std::pair{"garbage", "protocol error: bad magic"},
                      std::pair{"oversize", "protocol error: a message over 16396 bytes"},
                      std::pair{"lying", "protocol error: payload length"},
                      std::pair{"wrongtype", "protocol error: a shutdown reply in answer to hello"},
                      std::pair{"badhello", "protocol error: hello reply: capset_count 17"},
                      std::pair{"withfd", "protocol error: 1 unexpected fds"},
                      std::pair{"exit", "closed its socket (exited with status 7)"}),
    [](const auto& info) { return std::string(info.param.first); });

TEST_F(RendererProcessTest, SilentProcessIsKilledAtTheDeadline) {
  RendererProcess::Options o = stub("silent");
  o.start_timeout = std::chrono::milliseconds(300);  // the hello waits for the start
  auto p = start(o);
  ASSERT_TRUE(p);
  std::string error;
  EXPECT_FALSE(p->hello(&error));
  EXPECT_NE(error.find("no hello reply within 300 ms (vmm killed it: killed by signal 9 (SIGKILL))"),
            std::string::npos)
      << error;
  expect_gone_for_good(*p);
}

TEST_F(RendererProcessTest, MissingProgramIsAStartError) {
  RendererProcess::Options o = stub("hello");
  o.command = {"/nonexistent/vmm-gpu-process"};
  std::string error;
  EXPECT_FALSE(RendererProcess::start(o, &error));
  EXPECT_EQ(error, "cannot start /nonexistent/vmm-gpu-process: No such file or directory");
}

// --- the real process, on the renderer root ------------------------------------------------

class RealRendererProcessTest : public RendererProcessTest {
 protected:
  void SetUp() override {
    RendererProcessTest::SetUp();
    if (std::string_view(VMM_TEST_GPU_PROCESS) == "none")
      GTEST_SKIP() << "vmm-gpu-process is not built here (no virglrenderer header)";
    std::string why;
    root_ = find_renderer_root(default_renderer_root_path(), &why);
    if (!root_) GTEST_SKIP() << why;
  }
  RendererProcess::Options real(RendererKind kind) {
    return RendererProcess::options_for(VMM_TEST_GPU_PROCESS, *root_, kind, 1ull << 30);
  }
  std::optional<RendererRoot> root_;
};

TEST_F(RealRendererProcessTest, HelloSaysVirglrenderer130WithVenusWireFormat1) {
  auto p = start(real(RendererKind::All));
  ASSERT_TRUE(p);
  std::string error;
  auto hello = p->hello(&error);
  ASSERT_TRUE(hello) << error;
  std::printf("hello from process %d: virglrenderer %s (%s)\n  library %s\n  virgl: %s\n"
              "  venus wire format %u; contexts %#x; notes '%s'\n",
              p->pid(), hello->virglrenderer_version.c_str(), hello->version_source.c_str(),
              hello->library.c_str(), hello->virgl_description.c_str(), hello->venus_wire_format,
              hello->contexts, hello->notes.c_str());
  for (const auto& c : hello->capsets)
    std::printf("  capset %u v%u, %u bytes\n", c.id, c.max_version, c.max_size);
  EXPECT_EQ(hello->virglrenderer_version, root_->upstream_version());
  EXPECT_EQ(hello->virglrenderer_version, "1.3.0");
  EXPECT_TRUE(hello->library.starts_with(root_->path)) << "loaded from the root: " << hello->library;
  EXPECT_EQ(hello->contexts, kContextVirgl | kContextVenus) << hello->notes;
  EXPECT_GE(hello->venus_wire_format, 1u);
  EXPECT_NE(hello->virgl_description.find("Mesa 26"), std::string::npos)
      << "the root's Mesa, not the host's 22.3: " << hello->virgl_description;
  // Its own seccomp policy (process_seccomp_policy.h): mode 2, a filter.
  std::ifstream status("/proc/" + std::to_string(p->pid()) + "/status");
  std::string line, seccomp;
  while (std::getline(status, line))
    if (line.starts_with("Seccomp:")) seccomp = line;
  EXPECT_EQ(seccomp, "Seccomp:\t2");
  EXPECT_TRUE(p->shutdown(&error)) << error;
  EXPECT_EQ(p->gone(), "shut down (exited with status 0)");
}

TEST_F(RealRendererProcessTest, KilledIsAnErrorAndALogLine) {
  expect_kill_is_an_error(start(real(RendererKind::Venus)), "vmm-gpu-process");
}

// Where the renderer runs: in the process when the root and the program are there, else in
// vmm with the reason in one clause (the start-up line carries it).
TEST_F(RealRendererProcessTest, PlacementPrefersTheProcessAndSaysWhyNot) {
  setenv("VMM_GPU_PROCESS", VMM_TEST_GPU_PROCESS, 1);
  auto placed = place_renderer();
  EXPECT_FALSE(placed.in_process()) << placed.why_in_process;
  EXPECT_EQ(placed.program, VMM_TEST_GPU_PROCESS);

  setenv("VMM_GPU_RENDERER_PROCESS", "off", 1);
  placed = place_renderer();
  unsetenv("VMM_GPU_RENDERER_PROCESS");
  EXPECT_TRUE(placed.in_process());
  EXPECT_EQ(placed.why_in_process, "VMM_GPU_RENDERER_PROCESS=off");

  setenv("VMM_GPU_PROCESS", "/nonexistent/vmm-gpu-process", 1);
  placed = place_renderer();
  EXPECT_TRUE(placed.in_process());
  EXPECT_NE(placed.why_in_process.find("no /nonexistent/vmm-gpu-process"), std::string::npos)
      << placed.why_in_process;
  unsetenv("VMM_GPU_PROCESS");

  setenv("VMM_RENDERER_ROOT", "/nonexistent-root", 1);
  placed = place_renderer();
  unsetenv("VMM_RENDERER_ROOT");
  EXPECT_TRUE(placed.in_process());
  EXPECT_NE(placed.why_in_process.find("scripts/renderer-root makes it"), std::string::npos)
      << placed.why_in_process;
}

}  // namespace
}  // namespace vmm::gpu::process
