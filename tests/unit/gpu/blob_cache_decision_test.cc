// The one decision point for a blob's map_info, its slot's MemCacheType and the reason the
// trace shows: each source of map_info, each override, and what both backends are told.
#include "devices/gpu/blob_cache_decision.h"

#include <gtest/gtest.h>

#include <cstring>

#include "devices/gpu/gpu_reply.h"
#include "devices/gpu/virtio_gpu_protocol.h"

namespace vmm::gpu {
namespace {

constexpr auto kAuto = BlobCacheMode::Auto;
constexpr auto kNoOverride = MemslotCacheOverride::Auto;

TEST(BlobCacheDecisionTest, TheDevicesOwnMemfdTakesTheDefaultAndHasNoProducerToQuote) {
  const BlobCacheDecision d = decide_blob_cache(kAuto, kNoOverride, {});
  EXPECT_EQ(d.map_info, kMapCacheWc);
  EXPECT_EQ(d.slot_type, MemCacheType::CacheNonCoherent);
  EXPECT_EQ(d.why.map_info, "WC");
  EXPECT_EQ(d.why.map_info_from, "default: no renderer");
  EXPECT_EQ(d.why.reported_map_info, "");
  EXPECT_EQ(d.why.decided_by, "map_info");
}

TEST(BlobCacheDecisionTest, AProducersAnswerIsTakenAndQuoted) {
  const BlobCacheDecision d = decide_blob_cache(kAuto, kNoOverride, {"virglrenderer", kMapCacheCached});
  EXPECT_EQ(d.map_info, kMapCacheCached);
  EXPECT_EQ(d.slot_type, MemCacheType::CacheCoherent);
  EXPECT_EQ(d.why.map_info_from, "virglrenderer");
  EXPECT_EQ(d.why.reported_map_info, "CACHED");
  EXPECT_EQ(d.why.producer_context, "");
  const BlobCacheDecision venus = decide_blob_cache(kAuto, kNoOverride, {"virglrenderer", kMapCacheWc, "VENUS"});
  EXPECT_EQ(venus.why.producer_context, "VENUS") << "whose context made the blob is told";
  EXPECT_EQ(venus.why.map_info, "WC");
}

TEST(BlobCacheDecisionTest, AProducerThatSaysNothingGetsCached) {
  for (std::optional<int> said : {std::optional<int>{}, std::optional<int>{-1}, std::optional<int>{0}}) {
    const BlobCacheDecision d = decide_blob_cache(kAuto, kNoOverride, {"virglrenderer", said});
    EXPECT_EQ(d.map_info, kMapCacheCached);
    EXPECT_EQ(d.why.map_info_from, "default: virglrenderer reported none");
    EXPECT_EQ(d.why.reported_map_info, "NONE");
  }
}

TEST(BlobCacheDecisionTest, TheOptionsOverrideEitherHalf) {
  const BlobCacheDecision forced_info =
      decide_blob_cache(BlobCacheMode::Uncached, kNoOverride, {"virglrenderer", kMapCacheCached});
  EXPECT_EQ(forced_info.map_info, kMapCacheUncached);
  EXPECT_EQ(forced_info.why.map_info_from, "--gpu-blob-cache");
  EXPECT_EQ(forced_info.why.reported_map_info, "CACHED") << "what the producer said is still told";
  EXPECT_EQ(forced_info.slot_type, MemCacheType::CacheNonCoherent);

  const BlobCacheDecision forced_slot = decide_blob_cache(kAuto, MemslotCacheOverride::Coherent, {});
  EXPECT_EQ(forced_slot.map_info, kMapCacheWc) << "the guest is still told WC";
  EXPECT_EQ(forced_slot.slot_type, MemCacheType::CacheCoherent);
  EXPECT_EQ(forced_slot.why.decided_by, "--gpu-memslot-cache");
}

// Responses are encoded in one place: the header echoes a fenced request's fence fields, and
// the typed body follows it.
TEST(GpuReplyTest, EncodeEchoesTheFenceAndAppendsTheBody) {
  CtrlHdr request{};
  request.flags = kFlagFence | kFlagInfoRingIdx;
  request.fence_id = 77;
  request.ctx_id = 3;
  request.ring_idx = 2;
  const auto bytes = GpuReply::map_info(kMapCacheWc).encode(request);
  ASSERT_EQ(bytes.size(), sizeof(RespMapInfo));
  RespMapInfo out{};
  std::memcpy(&out, bytes.data(), sizeof(out));
  EXPECT_EQ(out.hdr.type, resp::kOkMapInfo);
  EXPECT_EQ(out.hdr.flags, kFlagFence | kFlagInfoRingIdx);
  EXPECT_EQ(out.hdr.fence_id, 77u);
  EXPECT_EQ(out.hdr.ctx_id, 3u);
  EXPECT_EQ(out.hdr.ring_idx, 2u);
  EXPECT_EQ(out.map_info, kMapCacheWc);

  const auto plain = GpuReply{resp::kErrUnspec, {}}.encode(CtrlHdr{});
  ASSERT_EQ(plain.size(), sizeof(CtrlHdr));
  CtrlHdr hdr{};
  std::memcpy(&hdr, plain.data(), sizeof(hdr));
  EXPECT_EQ(hdr.type, resp::kErrUnspec);
  EXPECT_EQ(hdr.flags, 0u);
}

}  // namespace
}  // namespace vmm::gpu
