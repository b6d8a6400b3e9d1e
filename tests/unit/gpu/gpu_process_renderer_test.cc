// virtio-gpu with its renderer in vmm-gpu-process (issue 22): the renderer root's
// virglrenderer 1.3.0 in a process of its own, guest RAM shared with it as memfds, blobs
// coming back as fds that vmm maps. The same device-level checks as the in-process renderer
// (renderer_device_checks.h), then what only a process can do: die. Skips, saying why,
// where the root or vmm-gpu-process is missing.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <string_view>

#include "devices/gpu/process/process_renderer.h"
#include "devices/gpu/process/renderer_root.h"
#include "tests/unit/gpu/renderer_device_checks.h"

namespace vmm::test {
namespace {

using namespace gpu;

class GpuProcessRendererTest : public RendererDeviceTest {
 protected:
  void SetUp() override {
    if (std::string_view(VMM_TEST_GPU_PROCESS) == "none")
      GTEST_SKIP() << "vmm-gpu-process is not built here (no virglrenderer header)";
    std::string why;
    root_ = process::find_renderer_root(process::default_renderer_root_path(), &why);
    if (!root_) GTEST_SKIP() << why;
    start(RendererKind::Virgl);
  }

  void start(RendererKind kind) {
    gpu.reset();
    // What the renderer process reaches: the fixture's RAM, shareable.
    std::vector<GuestMemory::RangeSpec> specs;
    for (const RamRange& r : mem.ranges()) specs.push_back({r.guest_addr, r.size, r.owner});
    mem = GuestMemory::from_ranges(specs, GuestMemory::Backing::Shareable);
    make_renderer = [this, kind](GpuRenderer::FenceRetired on_fence, std::string* error)
        -> std::unique_ptr<GpuRenderer> {
      std::vector<process::SharedRam> ram;
      for (const RamRange& r : mem.ranges()) ram.push_back({r.host, r.size, r.fd});
      auto renderer = process::ProcessRenderer::create(VMM_TEST_GPU_PROCESS, *root_, kind, 1ull << 30,
                                                       ram, std::move(on_fence), error);
      renderer_ = renderer.get();
      return renderer;
    };
    make_gpu(default_config_with_renderer(kind), kAllFeatures | (1ull << kFeatureContextInit));
  }

  std::optional<process::RendererRoot> root_;
  process::ProcessRenderer* renderer_ = nullptr;  // the device's, while it lives
};

TEST_F(GpuProcessRendererTest, RunsTheRootsVirglrendererInItsOwnProcess) {
  auto stats = gpu->renderer_stats();
  ASSERT_TRUE(stats);
  std::printf("gpu renderer: %s\n", stats->description.c_str());
  EXPECT_TRUE(stats->description.starts_with("virglrenderer " + root_->upstream_version() + " in vmm-gpu-process"))
      << stats->description;
  ASSERT_TRUE(stats->process);
  EXPECT_NE(stats->process->pid, getpid());
  EXPECT_EQ(stats->process->state, "serving");
  EXPECT_GT(stats->process->resident_bytes, 1u << 20) << "it measured itself at start";
  bool virgl2 = false;
  for (const auto& c : stats->capsets) virgl2 |= c.id == kCapsetVirgl2;
  EXPECT_TRUE(virgl2);
}

TEST_F(GpuProcessRendererTest, GpuCopyBetweenMappedBlobsRoundTrips) {
  check_copy_between_mapped_blobs("virglrenderer");
}

TEST_F(GpuProcessRendererTest, RendererScanoutBecomesTheScreenshot) { check_scanout_becomes_screenshot(); }

TEST_F(GpuProcessRendererTest, BadCommandStreamIsAnErrorAndTheDeviceGoesOn) {
  check_bad_command_stream_is_an_error();
}

// Venus in the render server, beside virgl: the capset says wire format 1, which current
// guest Mesa speaks, and both kinds of context are made.
TEST_F(GpuProcessRendererTest, VenusContextBesideAVirglOne) {
  start(RendererKind::All);
  auto stats = gpu->renderer_stats();
  ASSERT_TRUE(stats);
  bool venus = false;
  for (const auto& capset : stats->capsets) venus |= capset.id == 4;
  ASSERT_TRUE(venus) << stats->description;
  EXPECT_NE(stats->description.find("Venus wire format 1"), std::string::npos) << stats->description;
  EXPECT_EQ(ctx_create(2, 4), resp::kOkNodata) << "a Venus context (capset 4)";
  EXPECT_EQ(ctx_create(3, kCapsetVirgl2), resp::kOkNodata) << "and a virgl one beside it";
}

// A renderer that crashes: the guest gets the protocol's errors, vmm goes on, a mapped
// blob's memory stays vmm's until its slot lets go, and the report says what happened.
TEST_F(GpuProcessRendererTest, ACrashedRendererIsErrorsAndTheReportSaysSo) {
  ASSERT_EQ(ctx_create(1, kCapsetVirgl2), resp::kOkNodata);
  ASSERT_EQ(submit(1, pipe_buffer(7)).type(), resp::kOkNodata);
  ASSERT_EQ(create_host_blob(10, kBlobSize, 1, kBlobFlagMappable, 7), resp::kOkNodata);
  ASSERT_EQ(map_blob(10, 0).type(), resp::kOkMapInfo);
  std::uint8_t* mapped = mapped_host(10);
  ASSERT_NE(mapped, nullptr);
  mapped[0] = 0x5a;

  ASSERT_NE(renderer_, nullptr);
  renderer_->process().kill_for_test();
  EXPECT_EQ(submit(1, pipe_buffer(8)).type(), resp::kErrUnspec);
  EXPECT_EQ(ctx_create(2, kCapsetVirgl2), resp::kErrUnspec);
  EXPECT_EQ(mapped[0], 0x5a) << "the slot's memory is vmm's mapping of the blob's fd";
  auto stats = gpu->renderer_stats();
  ASSERT_TRUE(stats && stats->process);
  EXPECT_NE(stats->process->state.find("killed by signal 9 (SIGKILL)"), std::string::npos)
      << stats->process->state;
  EXPECT_EQ(stats->process->resident_bytes, 0u);
  EXPECT_EQ(unmap_blob(10), resp::kOkNodata) << "the slot goes, whatever the renderer says";
  EXPECT_TRUE(mapper.live.empty());
}

}  // namespace
}  // namespace vmm::test
