// What a hostile guest can make the device hold through a renderer, each bound checked with
// a FakeRenderer (any host, no EGL): renderer contexts across resets, held fenced responses
// (re-published heads, long chains, a context destroyed under its fences), lent guest
// pages after DETACH_BACKING, saturating 3D charges, the virgl stream's resources, the
// process-memory watch, and the vCPU's calls while a render is in progress. Each of these
// failed before the bounds existed (issue 19); the real renderer's side is in
// gpu_renderer_test.cc.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "devices/gpu/gpu_limits.h"
#include "devices/gpu/renderer_charge.h"
#include "devices/gpu/renderer_memory_guard.h"
#include "tests/unit/gpu/fake_renderer.h"
#include "tests/unit/gpu/gpu_fixture.h"

namespace vmm::test {
namespace {

using namespace gpu;

constexpr std::uint32_t kCapsetVirgl2 = 2;
constexpr std::uint32_t cmd0(std::uint32_t cmd, std::uint32_t len) { return cmd | (len << 16); }
const std::vector<std::uint32_t> kNopStream = {cmd0(0, 0)};

std::vector<std::uint32_t> pipe_buffer(std::uint32_t bytes, std::uint32_t blob_id) {
  return {cmd0(48, 11), 0, 64, 1u << 4, bytes, 1, 1, 1, 0, 0, 0, blob_id};
}

std::uint64_t anonymous_now() {
  std::string error;
  auto guard = RendererMemoryGuard::for_this_process(0, &error);
  return guard ? guard->baseline() : 0;
}

class GpuRendererBoundsTest : public GpuTest {
 protected:
  void SetUp() override {
    make_renderer = [this](GpuRenderer::FenceRetired on_fence, std::string*) {
      return std::make_unique<FakeRenderer>(fake, std::move(on_fence));
    };
    start(VirtioGpuConfig::kDefaultRendererMemoryLimit);
  }
  void TearDown() override { gpu.reset(); }  // before `fake`, which the renderer uses

  void start(std::uint64_t memory_limit) {
    VirtioGpuConfig config = default_config();
    config.renderer = RendererKind::Virgl;
    config.renderer_memory_limit = memory_limit;
    make_gpu(config, kFeatures);
  }

  static std::vector<std::uint8_t> submit_bytes(std::uint32_t ctx, const std::vector<std::uint32_t>& words,
                                                std::uint32_t flags = 0, std::uint64_t fence = 0) {
    return submit_3d_request(ctx, words, flags, fence);
  }
  std::uint32_t submit(std::uint32_t ctx, const std::vector<std::uint32_t>& words) {
    return send_bytes(submit_bytes(ctx, words)).type();
  }

  // Publishes a chain and notifies without waiting for its answer; the head.
  std::uint16_t publish(const std::vector<std::uint8_t>& request, std::uint32_t response_len = sizeof(CtrlHdr)) {
    auto added = ctrl_ring->add_chain({FakeBuffer::readable(request), FakeBuffer::writable(response_len)});
    gpu->notify_queue(kControlQueue);
    return added.head;
  }

  // Waits (a deadline, not a timing) until `done` holds for the renderer's stats.
  bool eventually(const std::function<bool(const RendererStats&)>& done) {
    for (int i = 0; i < 30000; ++i) {
      if (done(*gpu->renderer_stats())) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }

  static constexpr std::uint64_t kFeatures = kAllFeatures | (1ull << kFeatureContextInit);
  FakeRendererState fake;
};

TEST_F(GpuRendererBoundsTest, ResetDestroysEveryRendererContext) {
  for (int round = 0; round < 4; ++round) {
    for (std::uint32_t ctx = 1; ctx <= limits::kMaxRendererContexts; ++ctx)
      ASSERT_EQ(ctx_create(ctx, kCapsetVirgl2), resp::kOkNodata) << "round " << round << " ctx " << ctx;
    EXPECT_EQ(gpu->renderer_stats()->live_contexts, limits::kMaxRendererContexts);
    gpu->reset();
    gpu->activate(kFeatures, {ctrl_queue.get(), cursor_queue.get()}, interrupt);
    std::lock_guard lock(fake.mutex);
    EXPECT_TRUE(fake.contexts.empty()) << "round " << round << ": " << fake.contexts.size() << " left alive";
  }
  EXPECT_LE(fake.most_contexts, limits::kMaxRendererContexts);
  EXPECT_EQ(gpu->renderer_stats()->live_contexts, 0u);
}

TEST_F(GpuRendererBoundsTest, HeldResponsesAreBoundedByTheQueueNotByRepublishing) {
  fake.retire_fences = false;
  ASSERT_EQ(ctx_create(1, kCapsetVirgl2), resp::kOkNodata);
  std::vector<std::uint16_t> heads;
  for (std::uint64_t fence = 1; fence <= 16; ++fence)
    heads.push_back(publish(submit_bytes(1, kNopStream, kFlagFence, fence)));
  ASSERT_TRUE(eventually([](const RendererStats& s) { return s.held_responses == 16; }));
  const std::uint64_t bad_before = gpu->stats().bad_chains;
  // In rounds of 16: more than the queue's size published at once breaks the queue instead.
  for (std::uint64_t round = 1; round <= 50; ++round) {
    for (std::uint16_t head : heads) ctrl_ring->publish(head);
    gpu->notify_queue(kControlQueue);
    for (int i = 0; i < 30000 && gpu->stats().bad_chains < bad_before + round * heads.size() &&
                    gpu->renderer_stats()->held_responses <= heads.size();
         ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_LE(gpu->renderer_stats()->held_responses, heads.size()) << "round " << round;
    ASSERT_EQ(gpu->stats().bad_chains, bad_before + round * heads.size()) << "each re-published head refused";
  }
  EXPECT_EQ(gpu->renderer_stats()->held_responses, 16u) << "never more than the heads the guest has";
  EXPECT_FALSE(ctrl_ring->take_used()) << "a held head is not answered twice";
}

TEST_F(GpuRendererBoundsTest, AHeldResponseKeepsOnlyTheBuffersItFills) {
  fake.retire_fences = false;
  ASSERT_EQ(ctx_create(1, kCapsetVirgl2), resp::kOkNodata);
  std::vector<FakeBuffer> buffers{FakeBuffer::readable(submit_bytes(1, kNopStream, kFlagFence, 1))};
  for (int i = 0; i < 200; ++i) buffers.push_back(FakeBuffer::writable(1));
  ctrl_ring->add_chain(buffers, /*indirect=*/true);
  gpu->notify_queue(kControlQueue);
  ASSERT_TRUE(eventually([](const RendererStats& s) { return s.held_responses == 1; }));
  EXPECT_EQ(gpu->renderer_stats()->held_buffers, limits::kMaxHeldWritableBuffers);
}

TEST_F(GpuRendererBoundsTest, DestroyingAContextAnswersItsHeldFences) {
  fake.retire_fences = false;
  ASSERT_EQ(ctx_create(1, kCapsetVirgl2), resp::kOkNodata);
  const std::uint16_t fenced = publish(submit_bytes(1, kNopStream, kFlagFence | kFlagInfoRingIdx, 9));
  ASSERT_TRUE(eventually([](const RendererStats& s) { return s.held_responses == 1; }));
  const std::uint16_t destroy = publish(as_bytes(header(cmd::kCtxDestroy, 1)));
  std::set<std::uint16_t> answered;
  for (int i = 0; i < 30000 && answered.size() < 2; ++i) {
    while (auto used = ctrl_ring->take_used()) answered.insert(static_cast<std::uint16_t>(used->id));
    if (answered.size() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(answered.count(fenced)) << "the fenced submit was answered when its context went";
  EXPECT_TRUE(answered.count(destroy));
  EXPECT_EQ(gpu->renderer_stats()->held_responses, 0u);
}

// Found by the virgl_renderer fuzz target: a fence of the old queues that the renderer
// retires after a reset must not answer a new command whose guest fence id is lower (the
// guest's ids start again after a reset).
TEST_F(GpuRendererBoundsTest, AFenceFromBeforeAResetDoesNotRetireANewOne) {
  fake.retire_fences = false;
  ASSERT_EQ(ctx_create(1, kCapsetVirgl2), resp::kOkNodata);
  publish(submit_bytes(1, kNopStream, kFlagFence, 7));
  ASSERT_TRUE(eventually([](const RendererStats& s) { return s.held_responses == 1; }));
  gpu->reset();  // the driver starts over on a fresh ring
  ctrl_ring = std::make_unique<FakeDriverRing>(mem, FakeDriverRing::Options{.size = 64});
  ctrl_queue = std::make_unique<Virtqueue>(mem, ctrl_ring->config());
  gpu->activate(kFeatures, {ctrl_queue.get(), cursor_queue.get()}, interrupt);
  ASSERT_EQ(ctx_create(1, kCapsetVirgl2), resp::kOkNodata);
  publish(submit_bytes(1, kNopStream, kFlagFence, 1));
  ASSERT_TRUE(eventually([](const RendererStats& s) { return s.held_responses == 1; }));
  {
    std::lock_guard lock(fake.mutex);
    fake.release_oldest = 1;  // the fence from before the reset, only
  }
  gpu->notify_queue(kControlQueue);
  ASSERT_TRUE(eventually([&](const RendererStats&) {
    std::lock_guard lock(fake.mutex);
    return fake.release_oldest == 0;
  }));
  gpu->notify_queue(kControlQueue);  // one more round after the retirement
  EXPECT_TRUE(eventually([](const RendererStats& s) { return s.fences_retired >= 1; }));
  EXPECT_EQ(gpu->renderer_stats()->held_responses, 1u) << "the new command was answered by an old fence";
  EXPECT_FALSE(ctrl_ring->take_used());
}

TEST_F(GpuRendererBoundsTest, DetachBackingTakesTheGuestPagesBackFromTheRenderer) {
  ASSERT_EQ(ctx_create(1, kCapsetVirgl2), resp::kOkNodata);
  ResourceCreateBlob blob{header(cmd::kResourceCreateBlob, 1), 5, kBlobMemGuest, 0, 4, 0, 4 * 4096};
  auto bytes = as_bytes(blob);
  for (std::uint64_t i = 0; i < 4; ++i) {
    auto entry = as_bytes(MemEntry{kBackingBase + i * 8192, 4096, 0});
    bytes.insert(bytes.end(), entry.begin(), entry.end());
  }
  ASSERT_EQ(send_bytes(bytes).type(), resp::kOkNodata);
  {
    std::lock_guard lock(fake.mutex);
    ASSERT_EQ(fake.lent_pages[5], 4u);
  }
  ASSERT_EQ(resource_cmd(cmd::kResourceDetachBacking, 5), resp::kOkNodata);
  std::lock_guard lock(fake.mutex);
  EXPECT_FALSE(fake.lent_pages.count(5)) << "the renderer still holds pages the budget no longer counts";
}

TEST_F(GpuRendererBoundsTest, A3dChargeSaturatesInsteadOfWrappingToZero) {
  // 2^14 x 2^14 x 2^11 x 2^25 texels: 2^64, zero in 64-bit arithmetic.
  ResourceCreate3d giant{header(cmd::kResourceCreate3d), 3, 2, 2, 2, 1u << 14, 1u << 14, 1u << 11,
                         1u << 25, 0, 0, 0, 0};
  EXPECT_EQ(send(giant).type(), resp::kErrOutOfMemory);
  EXPECT_EQ(gpu->renderer_stats()->charged_bytes, 0u);
  EXPECT_EQ(gpu->resource_count(), 0u);
}

TEST_F(GpuRendererBoundsTest, StreamResourcesAreChargedUntilABlobOrTheContextTakesThem) {
  start(256ull << 20);
  ASSERT_EQ(ctx_create(1, kCapsetVirgl2), resp::kOkNodata);
  int accepted = 0, refused = 0;
  for (std::uint32_t blob_id = 1; blob_id <= 8; ++blob_id) {
    const std::uint32_t type = submit(1, pipe_buffer(64u << 20, blob_id));
    (type == resp::kOkNodata ? accepted : refused) += 1;
    if (type != resp::kOkNodata) {
      EXPECT_EQ(type, resp::kErrOutOfMemory);
    }
  }
  EXPECT_EQ(accepted, 4);
  EXPECT_EQ(refused, 4);
  EXPECT_EQ(gpu->renderer_stats()->charged_bytes, 256ull << 20);
  // A blob claiming one takes its charge over: nothing more is charged.
  ASSERT_EQ(create_host_blob(10, 64u << 20, 1, kBlobFlagMappable, 2), resp::kOkNodata);
  EXPECT_EQ(gpu->renderer_stats()->charged_bytes, 256ull << 20);
  ASSERT_EQ(resource_cmd(cmd::kResourceUnref, 10), resp::kOkNodata);
  EXPECT_EQ(gpu->renderer_stats()->charged_bytes, 192ull << 20);
  ASSERT_EQ(send(header(cmd::kCtxDestroy, 1)).type(), resp::kOkNodata);
  EXPECT_EQ(gpu->renderer_stats()->charged_bytes, 0u) << "the unclaimed ones go with their context";
  // A malformed stream is refused before the renderer runs any of it.
  EXPECT_EQ(ctx_create(2, kCapsetVirgl2), resp::kOkNodata);
  EXPECT_EQ(submit(2, {cmd0(48, 11), 0, 0}), resp::kErrInvalidParameter);
}

TEST_F(GpuRendererBoundsTest, AContextHoldsABoundedNumberOfUnclaimedStreamResources) {
  ASSERT_EQ(ctx_create(1, kCapsetVirgl2), resp::kOkNodata);
  std::vector<std::uint32_t> full_stream;  // as many 1-byte buffers as one stream may create
  for (std::uint32_t i = 0; i < kMaxStreamResourceCreates; ++i) {
    auto one = pipe_buffer(1, i + 1);
    full_stream.insert(full_stream.end(), one.begin(), one.end());
  }
  for (std::uint32_t n = 0; n < limits::kMaxUnclaimedStreamResources / kMaxStreamResourceCreates; ++n)
    ASSERT_EQ(submit(1, full_stream), resp::kOkNodata) << n;
  EXPECT_EQ(submit(1, pipe_buffer(1, 99999)), resp::kErrOutOfMemory);
  EXPECT_EQ(submit(1, kNopStream), resp::kOkNodata) << "a stream that creates nothing still runs";
  ASSERT_EQ(send(header(cmd::kCtxDestroy, 1)).type(), resp::kOkNodata);
  ASSERT_EQ(ctx_create(1, kCapsetVirgl2), resp::kOkNodata);
  EXPECT_EQ(submit(1, pipe_buffer(1, 99999)), resp::kOkNodata) << "they went with their context";
}

TEST_F(GpuRendererBoundsTest, TheWatchDestroysContextsWhenTheProcessPassesItsBound) {
  start(VirtioGpuConfig::kMinRendererMemoryLimit);  // bound: RAM (18 MiB) + 2 x 64 MiB over baseline
  fake.submit_allocates = 32ull << 20;            // memory no charge knows of, per submit
  const std::uint64_t before = anonymous_now();
  ASSERT_EQ(ctx_create(1, kCapsetVirgl2), resp::kOkNodata);
  ASSERT_EQ(ctx_create(2, kCapsetVirgl2), resp::kOkNodata);
  int submits = 0;
  std::uint32_t type = resp::kOkNodata;
  while (type == resp::kOkNodata && submits < 32) type = submit(1 + submits++ % 2, kNopStream);
  EXPECT_EQ(type, resp::kErrOutOfMemory);
  EXPECT_LE(submits, (18 + 128) / 32 + 2) << "tripped within one allocation of the bound";
  const RendererStats stats = *gpu->renderer_stats();
  EXPECT_EQ(stats.memory_overruns, 1u);
  EXPECT_EQ(stats.live_contexts, 0u);
  {
    std::lock_guard lock(fake.mutex);
    EXPECT_TRUE(fake.contexts.empty());
    EXPECT_TRUE(fake.held.empty()) << "what the contexts held went with them";
  }
  EXPECT_LT(anonymous_now(), before + (96ull << 20)) << "and the process is back under its bound";
  // The device goes on: the guest may start again.
  fake.submit_allocates = 0;
  EXPECT_EQ(submit(1, kNopStream), resp::kErrInvalidContextId);
  EXPECT_EQ(ctx_create(1, kCapsetVirgl2), resp::kOkNodata);
  EXPECT_EQ(submit(1, kNopStream), resp::kOkNodata);
}

TEST_F(GpuRendererBoundsTest, VcpuCallsDoNotWaitForARenderInProgress) {
  ASSERT_EQ(ctx_create(1, kCapsetVirgl2), resp::kOkNodata);
  {
    std::lock_guard lock(fake.mutex);
    fake.block_submit = true;
  }
  publish(submit_bytes(1, kNopStream));
  {
    std::unique_lock lock(fake.mutex);
    ASSERT_TRUE(fake.changed.wait_for(lock, std::chrono::seconds(30), [&] { return fake.in_submit; }));
  }
  // The render thread is inside the renderer, holding the device: what a vCPU does now.
  std::promise<void> returned;
  std::thread vcpu([&] {
    gpu->set_shared_memory_base(kShmIdHostVisible, kBarBase + (1ull << 30));  // a BAR move
    gpu->notify_display_change();
    std::uint8_t config[4];
    gpu->read_config(0, config);
    gpu->activate(kFeatures, {ctrl_queue.get(), cursor_queue.get()}, interrupt);
    gpu->notify_queue(kControlQueue);
    returned.set_value();
  });
  const bool in_time = returned.get_future().wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  {
    std::lock_guard lock(fake.mutex);
    fake.block_submit = false;
  }
  fake.changed.notify_all();
  vcpu.join();
  EXPECT_TRUE(in_time) << "a vCPU call waited for the render";
  EXPECT_EQ(interrupt.config_changes, 1);
}

// A slot owns its host memory while it is live: when the hypervisor refuses to remove a
// renderer blob's slot, the guest's unref leaves the renderer's mapping (and the resource)
// alive and charged, and both go back to the renderer when the mapper lets the slot go.
TEST_F(GpuRendererBoundsTest, ARendererBlobStaysMappedUntilItsSlotIsLetGo) {
  constexpr std::uint64_t kBytes = 64u << 10;
  {
    std::lock_guard lock(fake.mutex);
    fake.map_blob_bytes = kBytes;
  }
  ASSERT_EQ(ctx_create(1, kCapsetVirgl2), resp::kOkNodata);
  ASSERT_EQ(create_host_blob(10, kBytes), resp::kOkNodata);
  ASSERT_EQ(map_blob(10, 0).type(), resp::kOkMapInfo);
  ASSERT_EQ(mapper.live.size(), 1u);
  const KeptSlot kept = unref_with_the_slot_kept(10, kBytes);
  {
    std::lock_guard lock(fake.mutex);
    EXPECT_TRUE(fake.mapped.count(10)) << "unmapped under a live slot";
    EXPECT_FALSE(fake.unreffed.count(10));
  }
  EXPECT_TRUE(kept.marks_intact()) << "still the renderer's memory";
  EXPECT_EQ(gpu->renderer_stats()->charged_bytes, kBytes) << "held, so still charged";
  // The mapper lets the slot go, on the render thread, as the device's own removals are.
  bool removed = false;
  ASSERT_TRUE(gpu->run_on_render_thread([&] { removed = static_cast<bool>(mapper.unmap(kept.slot)); }));
  ASSERT_TRUE(removed);
  {
    std::lock_guard lock(fake.mutex);
    EXPECT_FALSE(fake.mapped.count(10));
    EXPECT_TRUE(fake.unreffed.count(10));
  }
  EXPECT_EQ(gpu->renderer_stats()->charged_bytes, 0u);
}

}  // namespace
}  // namespace vmm::test
