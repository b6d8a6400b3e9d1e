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
#include "tests/unit/gpu/gpu_fixture.h"
#include "tests/unit/gpu/png_reader.h"

namespace vmm::test {
namespace {

using namespace gpu;

// virgl command stream words (virglrenderer's virgl_protocol.h: command numbers and
// lengths; they are the wire format Mesa's virgl driver speaks).
constexpr std::uint32_t kCcmdResourceCopyRegion = 17;
constexpr std::uint32_t kCcmdPipeResourceCreate = 48;
constexpr std::uint32_t virgl_cmd0(std::uint32_t cmd, std::uint32_t len) { return cmd | (len << 16); }
constexpr std::uint32_t kPipeBuffer = 0;
constexpr std::uint32_t kFormatR8Unorm = 64;
constexpr std::uint32_t kBindVertexBuffer = 1u << 4;
constexpr std::uint32_t kResourceFlagMapPersistent = 1u << 1;
constexpr std::uint32_t kResourceFlagMapCoherent = 1u << 2;
constexpr std::uint32_t kCapsetVirgl2 = 2;
constexpr std::uint64_t kBlobSize = 64 * 1024;

std::uint64_t anonymous_bytes() {
  std::string error;
  auto guard = RendererMemoryGuard::for_this_process(0, &error);
  EXPECT_TRUE(guard) << error;
  return guard ? guard->baseline() : 0;
}

class GpuRendererTest : public GpuTest {
 protected:
  void SetUp() override {
    std::string why;
    if (!probe_surfaceless_egl(&why)) GTEST_SKIP() << "no EGL on this host: " << why;
    make_renderer = [](GpuRenderer::FenceRetired on_fence, std::string* error) {
      return create_virgl_renderer(RendererKind::Virgl, std::move(on_fence), error);
    };
    make_gpu(default_config_with_renderer(), kAllFeatures | (1ull << kFeatureContextInit));
  }

  static VirtioGpuConfig default_config_with_renderer() {
    VirtioGpuConfig config = default_config();
    config.renderer = RendererKind::Virgl;
    return config;
  }

  GpuResponse submit(std::uint32_t ctx, const std::vector<std::uint32_t>& words,
                     std::uint32_t flags = 0, std::uint64_t fence = 0) {
    return send_bytes(submit_3d_request(ctx, words, flags, fence));
  }

  // A persistent, coherent GL buffer of kBlobSize bytes waiting in context `ctx` under
  // `blob_id`, as Mesa's virgl driver asks for one before RESOURCE_CREATE_BLOB.
  static std::vector<std::uint32_t> pipe_buffer(std::uint32_t blob_id, std::uint64_t size = kBlobSize) {
    return {virgl_cmd0(kCcmdPipeResourceCreate, 11), kPipeBuffer, kFormatR8Unorm, kBindVertexBuffer,
            static_cast<std::uint32_t>(size), 1, 1, 1, 0, 0,
            kResourceFlagMapPersistent | kResourceFlagMapCoherent, blob_id};
  }

  std::uint8_t* mapped_host(std::uint32_t resource_id) {
    for (const auto& [slot, request] : mapper.live)
      if (request.owner == "gpu-blob " + std::to_string(resource_id))
        return static_cast<std::uint8_t*>(request.host_addr);
    return nullptr;
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
  ASSERT_EQ(ctx_create(1, kCapsetVirgl2), resp::kOkNodata);
  ASSERT_EQ(submit(1, pipe_buffer(7)).type(), resp::kOkNodata);
  ASSERT_EQ(create_host_blob(10, kBlobSize, 1, kBlobFlagMappable, 7), resp::kOkNodata);
  ASSERT_EQ(submit(1, pipe_buffer(8)).type(), resp::kOkNodata);
  ASSERT_EQ(create_host_blob(11, kBlobSize, 1, kBlobFlagMappable, 8), resp::kOkNodata);

  auto src_map = map_blob(10, 0);
  auto dst_map = map_blob(11, kBlobSize);
  ASSERT_EQ(src_map.type(), resp::kOkMapInfo);
  ASSERT_EQ(dst_map.type(), resp::kOkMapInfo);
  std::uint8_t* src = mapped_host(10);
  std::uint8_t* dst = mapped_host(11);
  ASSERT_NE(src, nullptr);
  ASSERT_NE(dst, nullptr);

  // What the slot was asked for, and why: the renderer's answer is in the reason, and the
  // slot's type follows the map_info the guest was given.
  const std::uint32_t map_info = src_map.obj<RespMapInfo>().map_info;
  for (const auto& [slot, request] : mapper.live) {
    ASSERT_TRUE(request.cache_reason) << request.owner;
    EXPECT_EQ(request.cache_reason->map_info, map_info_name(map_info));
    EXPECT_EQ(request.cache_reason->decided_by, "map_info");
    EXPECT_FALSE(request.cache_reason->reported_map_info.empty());
    EXPECT_EQ(request.cache_type, cache_type_for_map_info(map_info));
    if (request.cache_reason->reported_map_info == "NONE")
      EXPECT_EQ(request.cache_reason->map_info_from, "default: virglrenderer reported none");
    else
      EXPECT_EQ(request.cache_reason->map_info_from, "virglrenderer");
    EXPECT_FALSE(request.backing) << "renderer memory has no fd";
  }

  std::vector<std::uint8_t> pattern(kBlobSize);
  for (std::size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<std::uint8_t>(i * 7 + 3);
  std::memcpy(src, pattern.data(), pattern.size());
  std::memset(dst, 0, kBlobSize);
  const std::vector<std::uint32_t> copy = {
      virgl_cmd0(kCcmdResourceCopyRegion, 13), 11, 0, 0, 0, 0,  // dst: handle level x y z
      10, 0, 0, 0, 0, static_cast<std::uint32_t>(kBlobSize), 1, 1};  // src, box
  auto copied = submit(1, copy, kFlagFence, 42);
  ASSERT_EQ(copied.type(), resp::kOkNodata);
  EXPECT_EQ(copied.hdr().flags & kFlagFence, kFlagFence);
  EXPECT_EQ(copied.hdr().fence_id, 42u);
  // The fenced response came once the copy was done: the destination holds the pattern.
  EXPECT_EQ(std::memcmp(dst, pattern.data(), pattern.size()), 0);

  EXPECT_EQ(unmap_blob(10), resp::kOkNodata);
  EXPECT_EQ(mapped_host(10), nullptr);
  EXPECT_EQ(resource_cmd(cmd::kResourceUnref, 11), resp::kOkNodata);  // unmaps it first
  EXPECT_TRUE(mapper.live.empty());
  auto stats = gpu->renderer_stats();
  EXPECT_EQ(stats->blob_maps, 2u);
  EXPECT_GE(stats->fences_retired, 1u);
}

TEST_F(GpuRendererTest, BadCommandStreamIsAnErrorAndTheDeviceGoesOn) {
  ASSERT_EQ(ctx_create(1, kCapsetVirgl2), resp::kOkNodata);
  EXPECT_EQ(submit(1, {virgl_cmd0(200, 3), 1, 2, 3}).type(), resp::kErrUnspec);
  // A resource create of the wrong length: the device's scan refuses it before virglrenderer.
  EXPECT_EQ(submit(1, {virgl_cmd0(kCcmdPipeResourceCreate, 2), 0, 0}).type(), resp::kErrInvalidParameter);
  EXPECT_EQ(submit(9, pipe_buffer(1)).type(), resp::kErrInvalidContextId);
  // A blob id no command stream announced: the renderer refuses, the guest hears so.
  EXPECT_EQ(create_host_blob(5, kBlobSize, 1, kBlobFlagMappable, 99), resp::kErrUnspec);
  EXPECT_GE(gpu->renderer_stats()->renderer_errors, 1u);
  ASSERT_EQ(submit(1, pipe_buffer(3)).type(), resp::kOkNodata);
  EXPECT_EQ(create_host_blob(5, kBlobSize, 1, kBlobFlagMappable, 3), resp::kOkNodata);
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

// A scanout the renderer holds (RESOURCE_CREATE_3D, as GL's window-system buffers are):
// its pixels are read back at RESOURCE_FLUSH and become the --gpu-screenshot PNG.
TEST_F(GpuRendererTest, RendererScanoutBecomesTheScreenshot) {
  constexpr std::uint32_t kTexture2d = 2, kBindRenderTarget = 1u << 1, kBindScanout = 1u << 18;
  ResourceCreate3d create{header(cmd::kResourceCreate3d), 20, kTexture2d, format::kB8G8R8X8,
                          kBindRenderTarget | kBindScanout, 2, 2, 1, 1, 0, 0, 0, 0};
  ASSERT_EQ(send(create).type(), resp::kOkNodata);
  // Memory order B, G, R, X: red, green, blue, white.
  poke(kBackingBase, {0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 0, 255, 255, 255, 0});
  ASSERT_EQ(attach_backing(20, {{kBackingBase, 16, 0}}), resp::kOkNodata);
  Transfer3d upload{header(cmd::kTransferToHost3d), {0, 0, 0, 2, 2, 1}, 0, 20, 0, 8, 0};
  ASSERT_EQ(send(upload).type(), resp::kOkNodata);
  ASSERT_EQ(set_scanout(20, {0, 0, 2, 2}), resp::kOkNodata);
  const std::string path = ::testing::TempDir() + "/vmm_renderer_scanout_" + std::to_string(getpid()) + ".png";
  std::string error;
  EXPECT_FALSE(gpu->write_scanout_png(path, &error)) << "not flushed yet";
  EXPECT_NE(error.find("never flushed"), std::string::npos) << error;
  ResourceFlush flush{header(cmd::kResourceFlush), {0, 0, 2, 2}, 20, 0};
  ASSERT_EQ(send(flush).type(), resp::kOkNodata);
  ASSERT_TRUE(gpu->write_scanout_png(path, &error)) << error;
  auto file = read_png(path);
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->rgba, (std::vector<std::uint8_t>{255, 0, 0, 255, 0, 255, 0, 255,  //
                                                   0, 0, 255, 255, 255, 255, 255, 255}));
  std::remove(path.c_str());
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
