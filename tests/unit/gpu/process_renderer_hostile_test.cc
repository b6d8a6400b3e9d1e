// ProcessRenderer's call path against a renderer process that answers hello and Attach well
// and then lies in its call replies (renderer_process_stub.cc's calls:B modes; any host, no
// renderer root). What the process says is bounded before vmm uses it: a refused answer is
// an error for that call and nothing more, a protocol error, a missed deadline or the
// process's end makes it gone for good (-EPIPE from then on), and vmm never crashes.
#include "devices/gpu/process/process_renderer.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace vmm::gpu::process {
namespace {

constexpr std::uint64_t kRamBytes = 1u << 20;
constexpr std::uint64_t kStubResident = 7u << 20;  // what the stub's Poll says
constexpr std::uint32_t kStubCapsetSize = 308;     // what the stub's hello says of capset 1

struct Fence {
  std::uint32_t ctx, ring;
  std::uint64_t fence;
  bool per_context;
  bool operator==(const Fence&) const = default;
};

class ProcessRendererHostileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = std::make_shared<std::ostringstream>();
    previous_ = spdlog::default_logger();
    spdlog::set_default_logger(
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(*log_)));
    // Guest RAM: one memfd range, as GuestMemory::shareable gives it.
    ram_fd_.reset(memfd_create("hostile-test-ram", MFD_CLOEXEC));
    ASSERT_TRUE(ram_fd_.valid());
    ASSERT_EQ(ftruncate(ram_fd_.get(), kRamBytes), 0);
    void* at = mmap(nullptr, kRamBytes, PROT_READ | PROT_WRITE, MAP_SHARED, ram_fd_.get(), 0);
    ASSERT_NE(at, MAP_FAILED);
    ram_ = static_cast<std::uint8_t*>(at);
  }
  void TearDown() override {
    renderer_.reset();  // shuts a serving stub down (its log lines still captured)
    if (ram_) munmap(ram_, kRamBytes);
    spdlog::set_default_logger(previous_);
  }

  // A ProcessRenderer over the stub in mode calls:BEHAVIOUR, with the production deadlines
  // unless REPLY_TIMEOUT is given (only the silence test shortens a call's, on purpose; the
  // hello keeps its start deadline).
  ProcessRenderer& start(const std::string& behaviour,
                         std::optional<std::chrono::milliseconds> reply_timeout = std::nullopt) {
    RendererProcess::Options o;
    o.command = {VMM_TEST_RENDERER_STUB, "calls:" + behaviour};
    o.environment = {"VMM_TEST=1"};
    if (reply_timeout) o.reply_timeout = *reply_timeout;
    o.name = "renderer_process_stub";
    std::string error;
    auto process = RendererProcess::start(std::move(o), &error);
    EXPECT_TRUE(process) << error;
    if (!process) throw std::runtime_error(error);
    renderer_ = ProcessRenderer::over(std::move(process), {SharedRam{ram_, kRamBytes, ram_fd_.get()}},
                                      [this](std::uint32_t ctx, std::uint32_t ring, std::uint64_t fence,
                                             bool per_context) {
                                        fences_.push_back({ctx, ring, fence, per_context});
                                      },
                                      &error);
    if (!renderer_) throw std::runtime_error("ProcessRenderer::over: " + error);
    return *renderer_;
  }

  // Blob 7 mapped by vmm as the stub's MapBlob said: 1 MiB, the blob's own first byte 0x5a
  // where vmm's mapping starts, and its whole size backed (its last byte written).
  void expect_blob_mapped(RendererMapping* m) {
    ASSERT_EQ(renderer_->map_blob(7, m), 0);
    ASSERT_NE(m->data, nullptr);
    EXPECT_EQ(m->size, 1u << 20);
    EXPECT_EQ(m->data[0], 0x5a) << "the blob's first byte";
    m->data[m->size - 1] = 1;
  }

  // Serving, with the resident memory the stub's first poll (in over()) reported.
  void expect_serving() {
    auto state = renderer_->process_state();
    ASSERT_TRUE(state);
    EXPECT_EQ(state->state, "serving");
    EXPECT_EQ(state->resident_bytes, kStubResident);
    EXPECT_TRUE(renderer_->process().gone().empty()) << renderer_->process().gone();
  }

  // Gone for good: the state says WHY and holds no memory, the process is reaped, every
  // later call fails with -EPIPE (or nothing, where it returns nothing), and RendererProcess
  // logged one line for it however many calls came after.
  void expect_gone_for_good(const std::string& why) {
    ProcessRenderer& r = *renderer_;
    auto state = r.process_state();
    ASSERT_TRUE(state);
    EXPECT_NE(state->state, "serving");
    EXPECT_NE(state->state.find(why), std::string::npos) << state->state;
    EXPECT_EQ(state->state, r.process().gone());
    EXPECT_EQ(state->resident_bytes, 0u);
    EXPECT_EQ(state->pid, r.process().pid());
    errno = 0;
    EXPECT_NE(kill(r.process().pid(), 0), 0) << "process " << r.process().pid() << " still there";
    EXPECT_EQ(errno, ESRCH);

    EXPECT_EQ(r.create_context(2, 0, "after"), -EPIPE);
    const std::uint32_t commands[] = {0, 0};
    EXPECT_EQ(r.submit(2, commands), -EPIPE);
    EXPECT_EQ(r.create_fence(2, 0, 1, false), -EPIPE);
    RendererMapping m;
    EXPECT_EQ(r.map_blob(3, &m), -EPIPE);
    EXPECT_EQ(m.data, nullptr);
    EXPECT_EQ(r.map_info(3), -EPIPE);
    EXPECT_TRUE(r.capset(1, 1).empty());
    const std::size_t fences = fences_.size();
    r.poll();
    r.destroy_context(2);
    EXPECT_EQ(fences_.size(), fences);
    EXPECT_EQ(r.process_state()->state, state->state) << "the first end is the one reported";

    const std::string line = "[warning] gpu renderer process " + std::to_string(r.process().pid()) +
                             " (renderer_process_stub): ";
    const std::string text = log_->str();
    const auto at = text.find(line);
    ASSERT_NE(at, std::string::npos) << text;
    EXPECT_EQ(text.find(line, at + 1), std::string::npos) << "logged once: " << text;
    EXPECT_NE(text.substr(at, text.find('\n', at) - at).find(why), std::string::npos) << text;
  }

  // A refused map: an error, no mapping given out, none kept (a second try is refused the
  // same way, not -EBUSY), and the process still serves.
  void expect_map_refused(ProcessRenderer& r) {
    RendererMapping m;
    EXPECT_EQ(r.map_blob(7, &m), -EPROTO);
    EXPECT_EQ(m.data, nullptr);
    EXPECT_EQ(m.size, 0u);
    EXPECT_EQ(r.map_blob(7, &m), -EPROTO) << "a refused map is not kept";
    EXPECT_EQ(m.data, nullptr);
    expect_serving();
    EXPECT_EQ(r.create_context(1, 0, "after the refused map"), 0);
  }

  std::shared_ptr<std::ostringstream> log_;
  std::shared_ptr<spdlog::logger> previous_;
  UniqueFd ram_fd_;
  std::uint8_t* ram_ = nullptr;
  std::vector<Fence> fences_;
  std::unique_ptr<ProcessRenderer> renderer_;
};

// The control: the same stub answering honestly is served, so the refusals below are the
// lies', not the harness's.
TEST_F(ProcessRendererHostileTest, HonestRepliesAreServed) {
  ProcessRenderer& r = start("honest");
  expect_serving();
  ASSERT_EQ(r.capsets().size(), 1u);
  EXPECT_EQ(r.capsets()[0].max_size, kStubCapsetSize);
  const auto capset = r.capset(1, 1);
  EXPECT_EQ(capset, std::vector<std::uint8_t>(kStubCapsetSize, 0x5a));
  RendererMapping m;
  expect_blob_mapped(&m);
  EXPECT_EQ(r.map_blob(7, &m), -EBUSY);
  EXPECT_EQ(r.unmap_blob(7), 0);
  EXPECT_EQ(r.create_context(1, 0, "honest"), 0);
  r.poll();
  EXPECT_TRUE(fences_.empty());
  expect_serving();
}

// A blob fd whose file is 4096 bytes, said to hold 1 MiB: mapped as said, the guest's slot
// would run past the memory behind it (and vmm's own reads would fault).
TEST_F(ProcessRendererHostileTest, BlobSmallerThanItsSizeIsNotMapped) {
  expect_map_refused(start("shortblob"));
}

TEST_F(ProcessRendererHostileTest, BlobReplyWithoutAnFdIsAnError) {
  expect_map_refused(start("blobnofd"));
}

TEST_F(ProcessRendererHostileTest, BlobReplyWithTwoValuesIsAnError) {
  expect_map_refused(start("blobvalues"));
}

// 64 KiB at offset 1 MiB - 4096 of a 1 MiB memfd: the blob would run 60 KiB past the file.
TEST_F(ProcessRendererHostileTest, BlobRunningPastItsFdsEndIsNotMapped) {
  expect_map_refused(start("blobpastend"));
}

// A memfd the process could shrink under vmm's mapping (no MFD_ALLOW_SEALING, so vmm cannot
// seal it against shrinking): vmm's own reads of the blob would fault once it did.
TEST_F(ProcessRendererHostileTest, BlobThatCouldShrinkIsNotMapped) {
  expect_map_refused(start("unsealable"));
}

// lavapipe's opaque memfd: a header page, then the blob. vmm maps from the offset the
// process says, so the guest's first byte is the blob's, not the header's.
TEST_F(ProcessRendererHostileTest, BlobAfterAHeaderPageIsMappedFromItsOffset) {
  ProcessRenderer& r = start("headerpage");
  RendererMapping m;
  expect_blob_mapped(&m);  // 0x5a: the blob's, not the header's 0xee
  EXPECT_EQ(r.unmap_blob(7), 0);
  expect_serving();
}

TEST_F(ProcessRendererHostileTest, CapsetLargerThanHelloSaidIsEmpty) {
  ProcessRenderer& r = start("bigcapset");
  EXPECT_TRUE(r.capset(1, 1).empty());
  EXPECT_TRUE(r.capset(2, 1).empty()) << "a capset hello did not announce";
  expect_serving();
}

// Every poll (over()'s first one included) says 2 fences with one record staged: it does
// not add up, so none is reported, not even the one that is there.
TEST_F(ProcessRendererHostileTest, FenceCountPastTheStagedRecordsRetiresNothing) {
  ProcessRenderer& r = start("fencecount");
  r.poll();
  r.poll();
  EXPECT_TRUE(fences_.empty()) << fences_.size() << " fences reported";
  expect_serving();
}

// Fences nobody created are passed on (the device matches them against its own and ignores
// the rest), exactly those staged: 3 records and 31 stray bytes are 3 fences.
TEST_F(ProcessRendererHostileTest, UnknownFencesArePassedOnBounded) {
  ProcessRenderer& r = start("fences");
  const std::vector<Fence> expected = {{100, 0, 1000, false}, {101, 1, 1001, true}, {102, 2, 1002, false}};
  EXPECT_EQ(fences_, expected) << "from over()'s first poll";
  fences_.clear();
  r.poll();
  EXPECT_EQ(fences_, expected);
  expect_serving();
}

// An fd beside a reply to a call that takes none is a protocol error.
TEST_F(ProcessRendererHostileTest, FdBesideACallThatTakesNoneIsGone) {
  ProcessRenderer& r = start("fdbeside");
  expect_serving();
  EXPECT_EQ(r.create_context(1, 0, "fd beside"), -EPIPE);
  expect_gone_for_good("protocol error: 1 unexpected fds with a call reply");
}

// Silence is the point here: the deadline is short, and the stub never answers.
TEST_F(ProcessRendererHostileTest, ReplyThatNeverComesIsGone) {
  ProcessRenderer& r = start("silent", std::chrono::milliseconds(300));
  expect_serving();
  EXPECT_EQ(r.create_context(1, 0, "silent"), -EPIPE);
  expect_gone_for_good("no call reply within 300 ms (vmm killed it: killed by signal 9 (SIGKILL))");
}

// It exits 5 in the middle of a call: the socket's close or the pidfd may be seen first,
// and either way the state says how it ended.
TEST_F(ProcessRendererHostileTest, ProcessThatExitsMidCallIsGone) {
  ProcessRenderer& r = start("exit");
  expect_serving();
  EXPECT_EQ(r.create_context(1, 0, "exit"), -EPIPE);
  expect_gone_for_good("exited with status 5");
}

}  // namespace
}  // namespace vmm::gpu::process
