// The device's behaviour that does not depend on its backend, run over both: BuiltinBackend
// and VirglBackend (with FakeRenderer, so on any host). Where the backends rightly differ
// (capsets, SUBMIT_3D, what the blob's producer says about caching) the case says what each
// answers; everything else must be the same answer from the same device.
#include <gtest/gtest.h>

#include "tests/unit/gpu/fake_renderer.h"
#include "tests/unit/gpu/gpu_fixture.h"

namespace vmm::test {
namespace {

using namespace gpu;

struct BackendCase {
  bool virgl;
  std::uint32_t capsets;          // num_capsets in the config space
  std::uint32_t submit_answer;    // SUBMIT_3D of a one-NOP stream
  std::uint32_t auto_map_info;    // MAP_BLOB's answer with --gpu-blob-cache auto
};

constexpr BackendCase kBuiltin{false, 0, resp::kErrUnspec, kMapCacheWc};
// FakeRenderer has one capset and reports no map_info: decide_blob_cache then says CACHED.
constexpr BackendCase kVirgl{true, 1, resp::kOkNodata, kMapCacheCached};

class GpuBackendSuiteTest : public GpuTest, public ::testing::WithParamInterface<BackendCase> {
 protected:
  static constexpr std::uint64_t kBlobSize = 64u << 10;
  static constexpr std::uint64_t kFeatures = kAllFeatures | (1ull << kFeatureContextInit);

  void SetUp() override {
    fake.map_blob_bytes = kBlobSize;  // the fake renderer's buffer for each mapped blob
    start(default_config());
  }
  void TearDown() override { gpu.reset(); }  // before `fake`, which the renderer uses

  void start(VirtioGpuConfig config) {
    if (GetParam().virgl) {
      config.renderer = RendererKind::Virgl;
      make_renderer = [this](GpuRenderer::FenceRetired on_fence, std::string*) {
        return std::make_unique<FakeRenderer>(fake, std::move(on_fence));
      };
    }
    make_gpu(config, kFeatures);
  }

  // A context 1 with a mappable HOST3D blob 10 in it.
  void make_blob() {
    ASSERT_EQ(ctx_create(1), resp::kOkNodata);
    ASSERT_EQ(create_host_blob(10, kBlobSize), resp::kOkNodata);
  }

  // Runs `task` where the device removes its slots: the render thread when there is one.
  void on_device_thread(const std::function<void()>& task) {
    if (!gpu->run_on_render_thread(task)) task();
  }

  FakeRendererState fake;
};

TEST_P(GpuBackendSuiteTest, FeaturesAndCapsetsAreTheBackends) {
  const std::uint64_t features = gpu->device_features();
  EXPECT_EQ(features & kAllFeatures, kAllFeatures);
  EXPECT_EQ((features >> kFeatureContextInit) & 1, GetParam().virgl ? 1u : 0u);
  Config config{};
  gpu->read_config(0, std::span(reinterpret_cast<std::uint8_t*>(&config), sizeof(config)));
  EXPECT_EQ(config.num_scanouts, 1u);
  EXPECT_EQ(config.num_capsets, GetParam().capsets);
  GetCapsetInfo info{header(cmd::kGetCapsetInfo), 0, 0};
  EXPECT_EQ(send(info, sizeof(RespCapsetInfo)).type(),
            GetParam().capsets ? resp::kOkCapsetInfo : resp::kErrUnspec);
}

TEST_P(GpuBackendSuiteTest, TwoDimensionalScanoutIsTheDevicesOwn) {
  ASSERT_EQ(create_2d(1, 4, 2), resp::kOkNodata);
  std::vector<std::uint8_t> pixels(4 * 2 * 4);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 7 + 1);
  poke(kBackingBase, pixels);
  ASSERT_EQ(attach_backing(1, {{kBackingBase, 4096, 0}}), resp::kOkNodata);
  ASSERT_EQ(transfer(1, {0, 0, 4, 2}, 0), resp::kOkNodata);
  ASSERT_EQ(set_scanout(1, {0, 0, 4, 2}), resp::kOkNodata);
  ResourceFlush flush{header(cmd::kResourceFlush), {0, 0, 4, 2}, 1, 0};
  EXPECT_EQ(send(flush).type(), resp::kOkNodata);
  EXPECT_EQ(gpu->resource_image(1), pixels);
  EXPECT_EQ(gpu->stats().flushes, 1u);
}

TEST_P(GpuBackendSuiteTest, ContextLifecycle) {
  EXPECT_EQ(ctx_create(0), resp::kErrInvalidContextId);
  ASSERT_EQ(ctx_create(1), resp::kOkNodata);
  EXPECT_EQ(ctx_create(1), resp::kErrInvalidContextId);
  ASSERT_EQ(create_2d(5, 8, 8), resp::kOkNodata);
  EXPECT_EQ(resource_cmd(cmd::kCtxAttachResource, 5, 1), resp::kOkNodata);
  EXPECT_EQ(gpu->context_resources(1), std::set<std::uint32_t>{5});
  EXPECT_EQ(resource_cmd(cmd::kCtxDetachResource, 5, 1), resp::kOkNodata);
  EXPECT_EQ(resource_cmd(cmd::kCtxDetachResource, 5, 1), resp::kErrInvalidParameter);
  EXPECT_EQ(send(header(cmd::kCtxDestroy, 1)).type(), resp::kOkNodata);
  EXPECT_EQ(send(header(cmd::kCtxDestroy, 1)).type(), resp::kErrInvalidContextId);
  EXPECT_FALSE(gpu->context_resources(1).has_value());
}

TEST_P(GpuBackendSuiteTest, Submit3dIsTheBackendsAnswer) {
  ASSERT_EQ(ctx_create(1), resp::kOkNodata);
  EXPECT_EQ(send_bytes(submit_3d_request(1, {0})).type(), GetParam().submit_answer);
}

TEST_P(GpuBackendSuiteTest, HostBlobsNeedAContext) {
  EXPECT_EQ(create_host_blob(10, kBlobSize, /*ctx=*/0), resp::kErrInvalidContextId);
  EXPECT_EQ(create_host_blob(10, kBlobSize, /*ctx=*/9), resp::kErrInvalidContextId);
  EXPECT_EQ(gpu->resource_count(), 0u);
}

TEST_P(GpuBackendSuiteTest, HostBlobMapsIntoTheRegionAndUnmaps) {
  make_blob();
  EXPECT_EQ(gpu->context_resources(1), std::set<std::uint32_t>{10});
  auto mapped = map_blob(10, 1 << 20);
  ASSERT_EQ(mapped.type(), resp::kOkMapInfo);
  EXPECT_EQ(mapped.obj<RespMapInfo>().map_info, GetParam().auto_map_info);
  ASSERT_EQ(mapper.live.size(), 1u);
  const MemslotRequest& slot = mapper.live.begin()->second;
  EXPECT_EQ(slot.guest_addr, kBarBase + (1 << 20));
  EXPECT_EQ(slot.size, kBlobSize);
  EXPECT_EQ(slot.owner, "gpu-blob 10");
  EXPECT_EQ(slot.cache_type, blob_memslot_cache_type(MemslotCacheOverride::Auto, GetParam().auto_map_info));
  EXPECT_TRUE(gpu->blob_mapped(10));

  EXPECT_EQ(map_blob(10, 2 << 20).type(), resp::kErrInvalidParameter) << "mapped twice";
  EXPECT_EQ(mapper.live.size(), 1u);
  EXPECT_EQ(unmap_blob(10), resp::kOkNodata);
  EXPECT_TRUE(mapper.live.empty());
  EXPECT_FALSE(gpu->blob_mapped(10));
  EXPECT_EQ(unmap_blob(10), resp::kErrInvalidParameter);
  ASSERT_EQ(map_blob(10, 0).type(), resp::kOkMapInfo) << "mappable again once unmapped";
  EXPECT_EQ(mapper.live.begin()->second.guest_addr, kBarBase);
}

TEST_P(GpuBackendSuiteTest, AForcedBlobCacheModeDecidesForEitherBackend) {
  VirtioGpuConfig config = default_config();
  config.blob_cache = BlobCacheMode::Uncached;
  config.memslot_cache = MemslotCacheOverride::Coherent;
  start(config);
  make_blob();
  auto mapped = map_blob(10, 0);
  ASSERT_EQ(mapped.type(), resp::kOkMapInfo);
  EXPECT_EQ(mapped.obj<RespMapInfo>().map_info, kMapCacheUncached);
  ASSERT_EQ(mapper.live.size(), 1u);
  EXPECT_EQ(mapper.live.begin()->second.cache_type, MemCacheType::CacheCoherent);
}

TEST_P(GpuBackendSuiteTest, MapRefusals) {
  EXPECT_EQ(map_blob(10, 0).type(), resp::kErrInvalidResourceId);
  ASSERT_EQ(ctx_create(1), resp::kOkNodata);
  ASSERT_EQ(create_host_blob(11, kBlobSize, 1, /*flags=*/0), resp::kOkNodata);
  EXPECT_EQ(map_blob(11, 0).type(), resp::kErrInvalidParameter) << "not MAPPABLE";
  ASSERT_EQ(create_2d(12, 8, 8), resp::kOkNodata);
  EXPECT_EQ(map_blob(12, 0).type(), resp::kErrInvalidParameter) << "not a blob";
  ASSERT_EQ(create_host_blob(10, kBlobSize), resp::kOkNodata);
  EXPECT_EQ(map_blob(10, 4095).type(), resp::kErrInvalidParameter) << "misaligned";
  EXPECT_EQ(map_blob(10, kHostmemSize).type(), resp::kErrInvalidParameter) << "outside the region";
  EXPECT_TRUE(mapper.live.empty());
  if (GetParam().virgl) {
    std::lock_guard lock(fake.mutex);
    EXPECT_TRUE(fake.mapped.empty()) << "a refused map gave the renderer's mapping back";
  }
}

TEST_P(GpuBackendSuiteTest, UnrefOfAMappedBlobUnmapsItFirst) {
  make_blob();
  ASSERT_EQ(map_blob(10, 0).type(), resp::kOkMapInfo);
  EXPECT_EQ(resource_cmd(cmd::kResourceUnref, 10), resp::kOkNodata);
  EXPECT_TRUE(mapper.live.empty());
  EXPECT_EQ(gpu->resource_count(), 0u);
  EXPECT_EQ(gpu->context_resources(1), std::set<std::uint32_t>{});
}

// A slot owns its memory: when the hypervisor keeps a slot the guest's unref asked to remove,
// what the guest sees through it stays valid until the slot goes.
TEST_P(GpuBackendSuiteTest, ARefusedRemovalKeepsTheBlobsMemoryUntilTheSlotGoes) {
  make_blob();
  ASSERT_EQ(map_blob(10, 0).type(), resp::kOkMapInfo);
  const KeptSlot kept = unref_with_the_slot_kept(10, kBlobSize);
  EXPECT_TRUE(kept.marks_intact());
  bool removed = false;
  on_device_thread([&] { removed = static_cast<bool>(mapper.unmap(kept.slot)); });
  EXPECT_TRUE(removed);
  EXPECT_TRUE(mapper.leases.empty());
}

TEST_P(GpuBackendSuiteTest, ResetForgetsAndUnmapsEverything) {
  make_blob();
  ASSERT_EQ(map_blob(10, 0).type(), resp::kOkMapInfo);
  ASSERT_EQ(create_2d(2, 8, 8), resp::kOkNodata);
  gpu->reset();
  EXPECT_TRUE(mapper.live.empty());
  EXPECT_EQ(gpu->resource_count(), 0u);
  EXPECT_FALSE(gpu->context_resources(1).has_value());
  if (GetParam().virgl) {
    std::lock_guard lock(fake.mutex);
    EXPECT_TRUE(fake.contexts.empty());
    EXPECT_TRUE(fake.mapped.empty());
  }
}

TEST_P(GpuBackendSuiteTest, AnErrorToAFencedRequestIsAnsweredAtOnceWithItsFence) {
  const CtrlHdr fenced = fenced_header(cmd::kResourceUnref, 3, 42, /*ring=*/2);
  auto err = send(ResourceIdCmd{fenced, 99, 0}).hdr();
  EXPECT_EQ(err.type, resp::kErrInvalidResourceId);
  expect_fence_echoed(err, fenced);
}

TEST_P(GpuBackendSuiteTest, AFencedSuccessIsAnsweredWithItsFence) {
  const CtrlHdr fenced = fenced_header(cmd::kGetDisplayInfo, 0, 7);
  auto ok = send(fenced, sizeof(RespDisplayInfo)).hdr();  // the fake renderer retires fences at once
  EXPECT_EQ(ok.type, resp::kOkDisplayInfo);
  expect_fence_echoed(ok, fenced);
}

INSTANTIATE_TEST_SUITE_P(Builtin, GpuBackendSuiteTest, ::testing::Values(kBuiltin));
INSTANTIATE_TEST_SUITE_P(Virgl, GpuBackendSuiteTest, ::testing::Values(kVirgl));

}  // namespace
}  // namespace vmm::test
