// virtio-gpu with virglrenderer behind it, on whatever EGL this host has (llvmpipe on CI):
// capsets, contexts, a command stream that creates two persistent, coherent GL buffers
// with blob ids, the blobs made from them, mapped into the host-visible region, a pattern
// written through one mapping, a GPU copy (RESOURCE_COPY_REGION) into the other, and the
// pattern read back through the other mapping. Fences, bad command streams, limits.
// No KVM: the memslots go to a FakeMemoryMapper, which records what was asked.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <numeric>

#include "devices/gpu/gpu_limits.h"
#include "devices/gpu/renderer_memory_guard.h"
#include "devices/gpu/renderer/egl_probe.h"
#include "devices/gpu/renderer/virgl_renderer.h"
#include "tests/unit/gpu/renderer_device_checks.h"

namespace vmm::test {
namespace {

using namespace gpu;

std::uint64_t anonymous_bytes() {
  std::string error;
  auto guard = RendererMemoryGuard::for_this_process(0, &error);
  EXPECT_TRUE(guard) << error;
  return guard ? guard->baseline() : 0;
}

class GpuRendererTest : public RendererDeviceTest {
 protected:
  void SetUp() override {
    std::string why;
    if (!probe_surfaceless_egl(&why)) GTEST_SKIP() << "no EGL on this host: " << why;
    make_renderer = [](GpuRenderer::FenceRetired on_fence, std::string* error) {
      return create_virgl_renderer(RendererKind::Virgl, std::move(on_fence), error);
    };
    make_gpu(default_config_with_renderer(), kAllFeatures | (1ull << kFeatureContextInit));
  }
};

TEST_F(GpuRendererTest, OffersContextInitAndTheRenderersCapsets) {
  EXPECT_TRUE(gpu->device_features() & (1ull << kFeatureContextInit));
  Config config{};
  gpu->read_config(0, std::span(reinterpret_cast<std::uint8_t*>(&config), sizeof(config)));
  ASSERT_GE(config.num_capsets, 2u);
  std::vector<std::uint32_t> ids;
  for (std::uint32_t i = 0; i < config.num_capsets; ++i) {
    GetCapsetInfo ask{header(cmd::kGetCapsetInfo), i, 0};
    auto info = send(ask, sizeof(RespCapsetInfo));
    ASSERT_EQ(info.type(), resp::kOkCapsetInfo);
    auto body = info.obj<RespCapsetInfo>();
    ids.push_back(body.capset_id);
    GetCapset get{header(cmd::kGetCapset), body.capset_id, body.capset_max_version};
    auto caps = send(get, sizeof(CtrlHdr) + body.capset_max_size);
    EXPECT_EQ(caps.type(), resp::kOkCapset);
    EXPECT_EQ(caps.written, sizeof(CtrlHdr) + body.capset_max_size);
  }
  EXPECT_NE(std::find(ids.begin(), ids.end(), 1u), ids.end()) << "VIRGL";
  EXPECT_NE(std::find(ids.begin(), ids.end(), kCapsetVirgl2), ids.end()) << "VIRGL2";
  GetCapsetInfo beyond{header(cmd::kGetCapsetInfo), config.num_capsets, 0};
  EXPECT_EQ(send(beyond, sizeof(RespCapsetInfo)).type(), resp::kErrInvalidParameter);
  auto stats = gpu->renderer_stats();
  ASSERT_TRUE(stats);
  EXPECT_NE(stats->description.find("virgl on EGL"), std::string::npos) << stats->description;
}

TEST_F(GpuRendererTest, GpuCopyBetweenMappedBlobsRoundTrips) {
  check_copy_between_mapped_blobs("virglrenderer");
}

TEST_F(GpuRendererTest, BadCommandStreamIsAnErrorAndTheDeviceGoesOn) {
  check_bad_command_stream_is_an_error();
}

TEST_F(GpuRendererTest, RendererContextsAreFewer) {
  for (std::uint32_t ctx = 1; ctx <= limits::kMaxRendererContexts; ++ctx)
    ASSERT_EQ(ctx_create(ctx, kCapsetVirgl2), resp::kOkNodata) << ctx;
  EXPECT_EQ(ctx_create(limits::kMaxRendererContexts + 1, kCapsetVirgl2), resp::kErrOutOfMemory);
  EXPECT_EQ(send(header(cmd::kCtxDestroy, 1)).type(), resp::kOkNodata);
  EXPECT_EQ(ctx_create(limits::kMaxRendererContexts + 1, kCapsetVirgl2), resp::kOkNodata);
}

TEST_F(GpuRendererTest, CommandStreamLimits) {
  ASSERT_EQ(ctx_create(1, kCapsetVirgl2), resp::kOkNodata);
  CmdSubmit odd{header(cmd::kSubmit3d, 1), 6, 0};  // not whole dwords
  auto bytes = as_bytes(odd);
  bytes.resize(bytes.size() + 8);
  EXPECT_EQ(send_bytes(bytes).type(), resp::kErrInvalidParameter);
  CmdSubmit longer{header(cmd::kSubmit3d, 1), 4096, 0};  // claims more than it carries
  EXPECT_EQ(send(longer).type(), resp::kErrInvalidParameter);
  CmdSubmit huge{header(cmd::kSubmit3d, 1), limits::kMaxSubmitBytes + 4, 0};
  EXPECT_EQ(send(huge).type(), resp::kErrInvalidParameter);
  ResourceCreate3d giant{header(cmd::kResourceCreate3d), 3, 2, 2, 2, 16384, 16384, 2048, 1, 0, 0, 0, 0};
  EXPECT_EQ(send(giant).type(), resp::kErrOutOfMemory);
}

TEST_F(GpuRendererTest, RendererScanoutBecomesTheScreenshot) {
  check_scanout_becomes_screenshot();
}

// The order matters: the memslot must be gone before the renderer frees the memory behind
// it. The mapper reads the slot's memory as it removes it (as MemslotTable does); the blob
// is 1 MiB, which llvmpipe's malloc takes from mmap and gives back with munmap, so memory
// freed first faults (or ASan reports the use after free).
TEST_F(GpuRendererTest, ResetAndTeardownRemoveTheSlotBeforeTheMemoryGoes) {
  constexpr std::uint64_t kLarge = 1ull << 20;
  mapper.read_at_unmap = true;
  for (int round = 0; round < 2; ++round) {
    ASSERT_EQ(ctx_create(1, kCapsetVirgl2), resp::kOkNodata);
    ASSERT_EQ(submit(1, pipe_buffer(7, kLarge)).type(), resp::kOkNodata);
    ASSERT_EQ(create_host_blob(10, kLarge, 1, kBlobFlagMappable, 7), resp::kOkNodata);
    ASSERT_EQ(map_blob(10, 0).type(), resp::kOkMapInfo);
    if (round == 0) {
      gpu->reset();
      gpu->activate(kAllFeatures | (1ull << kFeatureContextInit), {ctrl_queue.get(), cursor_queue.get()}, interrupt);
    } else {
      gpu.reset();  // the destructor tears the renderer down on its thread
    }
    EXPECT_TRUE(mapper.live.empty());
    EXPECT_EQ(mapper.calls_of(FakeMemoryMapper::Call::Unmap).size(), static_cast<std::size_t>(round + 1));
  }
}

// Issue 19's first sequence: 64 SUBMIT_3Ds of 48 bytes, each a PIPE_RESOURCE_CREATE of a
// 64 MiB buffer, took vmm from 0.98 to 5.18 GiB, every one answered OK. Now the stream's
// resources are charged before virglrenderer runs it: with a 256 MiB limit, 4 pass.
TEST_F(GpuRendererTest, SubmittedBuffersStayWithinTheRendererMemoryLimit) {
  VirtioGpuConfig config = default_config();
  config.renderer = RendererKind::Virgl;
  config.renderer_memory_limit = 256ull << 20;
  make_gpu(config, kAllFeatures | (1ull << kFeatureContextInit));
  ASSERT_EQ(ctx_create(1, kCapsetVirgl2), resp::kOkNodata);
  const std::uint64_t before = anonymous_bytes();
  int accepted = 0;
  for (std::uint32_t blob_id = 1; blob_id <= 64; ++blob_id)
    accepted += submit(1, pipe_buffer(blob_id, 64ull << 20)).type() == resp::kOkNodata;
  const std::uint64_t after = anonymous_bytes();
  EXPECT_EQ(accepted, 4);
  EXPECT_EQ(gpu->renderer_stats()->charged_bytes, 256ull << 20);
  EXPECT_LE(after, before + (256ull << 20) + (128ull << 20))
      << "grew " << ((after - before) >> 20) << " MiB";
  // Destroying the context frees them in virglrenderer and in the charge.
  ASSERT_EQ(send(header(cmd::kCtxDestroy, 1)).type(), resp::kOkNodata);
  EXPECT_EQ(gpu->renderer_stats()->charged_bytes, 0u);
}

// Issue 19's second: contexts forgotten by a reset stayed alive in virglrenderer (~142 MiB
// more per round of 64). Now the process's memory after three rounds is where it was after
// the first.
TEST_F(GpuRendererTest, ResetDestroysTheRenderersContexts) {
  std::uint64_t after_first = 0;
  for (int round = 0; round < 3; ++round) {
    for (std::uint32_t ctx = 1; ctx <= limits::kMaxRendererContexts; ++ctx)
      ASSERT_EQ(ctx_create(ctx, kCapsetVirgl2), resp::kOkNodata) << ctx;
    gpu->reset();
    gpu->activate(kAllFeatures | (1ull << kFeatureContextInit), {ctrl_queue.get(), cursor_queue.get()}, interrupt);
    if (round == 0) after_first = anonymous_bytes();
    EXPECT_EQ(gpu->renderer_stats()->live_contexts, 0u);
  }
  // Two leaked rounds would be ~284 MiB; 128 MiB leaves a sanitizer's quarantine room.
  EXPECT_LE(anonymous_bytes(), after_first + (128ull << 20))
      << "grew " << ((anonymous_bytes() - after_first) >> 20) << " MiB over two more rounds";
}

// The names of this process's threads (their comm).
std::multiset<std::string> thread_names() {
  std::multiset<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(entry.path() / "comm");
    std::string name;
    std::getline(comm, name);
    names.insert(name);
  }
  return names;
}

// The guest's shaders run where the render thread's seccomp filter reaches: llvmpipe starts
// no rasterizer threads of its own before the thread confines itself (LP_NUM_THREADS=0), so
// making the renderer adds the render thread and nothing else.
TEST_F(GpuRendererTest, TheRendererStartsNoThreadsBesideItsOwn) {
  gpu.reset();
  const auto before = thread_names();
  make_gpu(default_config_with_renderer(), kAllFeatures | (1ull << kFeatureContextInit));
  ASSERT_EQ(ctx_create(1, kCapsetVirgl2), resp::kOkNodata);
  ASSERT_EQ(submit(1, pipe_buffer(7)).type(), resp::kOkNodata);
  auto added = thread_names();
  for (const auto& name : before) added.erase(added.find(name));
  std::string list;
  for (const auto& name : added) list += " '" + name + "'";
  EXPECT_EQ(added, std::multiset<std::string>{"vmm-render"}) << "threads started:" << list;
}

// renderer_lsan_suppressions.cc keeps Mesa's software driver loaded so that LeakSanitizer,
// checking at exit, can still name it: without that, EGL unloads it with each display (LD_DEBUG
// shows three "calling fini" for swrast_dri.so during one test) and a leak inside it is
// "<unknown module>", which no suppression matches.
TEST_F(GpuRendererTest, TheSoftwareDriverOutlivesTheRenderer) {
  gpu.reset();  // the renderer and its EGL display are gone
  std::ifstream maps("/proc/self/maps");
  const std::string text((std::istreambuf_iterator<char>(maps)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("swrast_dri.so"), std::string::npos) << "the driver was unloaded before the leak check";
}

// Start-up failures: one line naming what is missing, thrown from the device's constructor
// (vmm prints it and exits 1). Each runs in a child process, since the environment it
// changes is read by libraries that stay loaded.
VirtioGpuConfig renderer_config(RendererKind kind) {
  VirtioGpuConfig config;
  config.renderer = kind;
  return config;
}

std::string start_up_error(RendererKind kind) {
  GuestMemory mem = GuestMemory::from_ranges({{0, 1ull << 20, "ram"}});
  FakeMemoryMapper mapper;
  try {
    VirtioGpu gpu(mem, mapper, renderer_config(kind),
                  [kind](GpuRenderer::FenceRetired on_fence, std::string* error) {
                    return create_virgl_renderer(kind, std::move(on_fence), error);
                  });
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(GpuRendererStartUp, MissingLibraryIsOneLineNamingIt) {
  EXPECT_EXIT(
      {
        setenv("VMM_VIRGLRENDERER_LIBRARY", "/nonexistent/libvirglrenderer.so.1", 1);
        const std::string error = start_up_error(RendererKind::Virgl);
        std::fprintf(stderr, "%s\n", error.c_str());
        std::exit(error.find("--gpu-renderer virgl: cannot load /nonexistent/libvirglrenderer.so.1") == 0 &&
                          error.find('\n') == std::string::npos
                      ? 0
                      : 1);
      },
      ::testing::ExitedWithCode(0), "cannot load");
}

TEST(GpuRendererStartUp, NoEglDisplayIsOneLineNamingIt) {
  EXPECT_EXIT(
      {
        // Mesa finds no driver at all: neither a GPU's nor llvmpipe.
        setenv("LIBGL_DRIVERS_PATH", "/nonexistent", 1);
        setenv("GBM_BACKENDS_PATH", "/nonexistent", 1);
        const std::string error = start_up_error(RendererKind::Virgl);
        std::fprintf(stderr, "%s\n", error.c_str());
        std::exit(error.find("--gpu-renderer virgl: ") == 0 && error.find("EGL") != std::string::npos ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "EGL");
}

TEST(GpuRendererStartUp, WithoutABackendTheDeviceSaysSo) {
  GuestMemory mem = GuestMemory::from_ranges({{0, 1ull << 20, "ram"}});
  FakeMemoryMapper mapper;
  try {
    VirtioGpu gpu(mem, mapper, renderer_config(RendererKind::Virgl));
    FAIL() << "a renderer was asked for and none can be made";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("built without virglrenderer"), std::string::npos) << e.what();
  }
}

// Venus on the host's Vulkan (lavapipe on CI): the VENUS capset and a Venus context.
TEST_F(GpuRendererTest, VenusContextOnTheHostsVulkan) {
  VirtioGpuConfig config = default_config();
  config.renderer = RendererKind::All;
  make_renderer = [](GpuRenderer::FenceRetired on_fence, std::string* error) {
    return create_virgl_renderer(RendererKind::All, std::move(on_fence), error);
  };
  gpu.reset();  // one virglrenderer per process: the fixture's goes first
  make_gpu(config, kAllFeatures | (1ull << kFeatureContextInit));
  auto stats = gpu->renderer_stats();
  ASSERT_TRUE(stats);
  bool venus = false;
  for (const auto& capset : stats->capsets) venus |= capset.id == 4;
  ASSERT_TRUE(venus) << "no VENUS capset: " << stats->description;
  EXPECT_NE(stats->description.find("Venus wire format"), std::string::npos)
      << "the start-up line says which Venus protocol the guest will meet: " << stats->description;
  EXPECT_EQ(ctx_create(2, 4), resp::kOkNodata) << "a Venus context (capset 4)";
  EXPECT_EQ(ctx_create(3, kCapsetVirgl2), resp::kOkNodata) << "and a virgl one beside it";
  EXPECT_EQ(ctx_create(5, 0), resp::kOkNodata) << "and a default one (no context_init)";
}

TEST(GpuRendererConfig, FixedMappingIsRefusedWithARenderer) {
  VirtioGpuConfig config;
  config.renderer = RendererKind::Virgl;
  config.mapping = BlobMappingMode::Fixed;
  auto problem = validate(config);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("fixed"), std::string::npos);
}

}  // namespace
}  // namespace vmm::test
