// The device as the transport sees it: identity, features, config space, the shared memory
// region, queue handling, response headers (fences), and requests that are not commands.
#include <gtest/gtest.h>

#include "tests/unit/gpu/gpu_fixture.h"

namespace vmm::test {
namespace {

using namespace gpu;

TEST_F(GpuTest, IdentityFeaturesAndQueues) {
  EXPECT_EQ(gpu->device_id(), 16);
  EXPECT_EQ(gpu->device_features(), (1ull << 0) | (1ull << 3));  // VIRGL, RESOURCE_BLOB
  EXPECT_EQ(gpu->queue_max_sizes().size(), 2u);
  auto regions = gpu->shared_memory_regions();
  ASSERT_EQ(regions.size(), 1u);
  EXPECT_EQ(regions[0].id, 1);
  EXPECT_EQ(regions[0].size, kHostmemSize);
}

TEST_F(GpuTest, ConfigSpaceReportsOneScanoutAndNoCapsets) {
  std::uint8_t raw[16];
  gpu->read_config(0, raw);
  Config config;
  std::memcpy(&config, raw, sizeof(config));
  EXPECT_EQ(config.events_read, 0u);
  EXPECT_EQ(config.num_scanouts, 1u);
  EXPECT_EQ(config.num_capsets, 0u);
  // A read past the end reads zeros; a partial read starts where asked.
  std::uint8_t tail[8];
  gpu->read_config(8, tail);
  EXPECT_EQ(tail[0], 1);
  gpu->read_config(64, tail);
  EXPECT_EQ(tail[0], 0);
}

TEST_F(GpuTest, DisplayEventIsSetAndClearedThroughEventsClear) {
  gpu->notify_display_change();
  EXPECT_EQ(interrupt.config_changes, 1);
  std::uint32_t events = 0;
  gpu->read_config(0, std::span(reinterpret_cast<std::uint8_t*>(&events), 4));
  EXPECT_EQ(events, kEventDisplay);
  // events_read is read-only; events_clear is write-1-to-clear.
  const std::uint32_t one = 1;
  gpu->write_config(0, std::span(reinterpret_cast<const std::uint8_t*>(&one), 4));
  gpu->read_config(0, std::span(reinterpret_cast<std::uint8_t*>(&events), 4));
  EXPECT_EQ(events, kEventDisplay);
  gpu->write_config(4, std::span(reinterpret_cast<const std::uint8_t*>(&one), 4));
  gpu->read_config(0, std::span(reinterpret_cast<std::uint8_t*>(&events), 4));
  EXPECT_EQ(events, 0u);
}

TEST_F(GpuTest, GetDisplayInfoReportsTheConfiguredMode) {
  auto response = send(header(cmd::kGetDisplayInfo), sizeof(RespDisplayInfo));
  EXPECT_EQ(response.written, sizeof(RespDisplayInfo));
  auto info = response.obj<RespDisplayInfo>();
  EXPECT_EQ(info.hdr.type, resp::kOkDisplayInfo);
  EXPECT_EQ(info.pmodes[0].enabled, 1u);
  EXPECT_EQ(info.pmodes[0].r.width, 1024u);
  EXPECT_EQ(info.pmodes[0].r.height, 768u);
  for (unsigned i = 1; i < kMaxScanouts; ++i) EXPECT_EQ(info.pmodes[i].enabled, 0u);

  auto config = default_config();
  config.width = 640;
  config.height = 480;
  make_gpu(config);
  info = send(header(cmd::kGetDisplayInfo), sizeof(RespDisplayInfo)).obj<RespDisplayInfo>();
  EXPECT_EQ(info.pmodes[0].r.width, 640u);
  EXPECT_EQ(info.pmodes[0].r.height, 480u);
}

TEST_F(GpuTest, UsedBufferInterruptAfterEachNotify) {
  send(header(cmd::kGetDisplayInfo), sizeof(RespDisplayInfo));
  ASSERT_EQ(interrupt.used.size(), 1u);
  EXPECT_EQ(interrupt.used[0], kControlQueue);
}

TEST_F(GpuTest, NoInterruptWhenTheDriverSuppressesThem) {
  ctrl_ring->set_avail_flags(virtq::kAvailFNoInterrupt);
  auto response = send(header(cmd::kGetDisplayInfo), sizeof(RespDisplayInfo));
  EXPECT_EQ(response.type(), resp::kOkDisplayInfo);
  EXPECT_TRUE(interrupt.used.empty());
}

TEST_F(GpuTest, FenceIsEchoedOnSuccessAndOnError) {
  const CtrlHdr fenced_ok = fenced_header(cmd::kGetDisplayInfo, 7, 0x1122334455667788ull);
  auto ok = send(fenced_ok, sizeof(RespDisplayInfo)).hdr();
  EXPECT_EQ(ok.type, resp::kOkDisplayInfo);
  expect_fence_echoed(ok, fenced_ok);

  const CtrlHdr fenced_err = fenced_header(cmd::kResourceUnref, 3, 42, /*ring=*/2);
  auto err = send(ResourceIdCmd{fenced_err, 99, 0}).hdr();
  EXPECT_EQ(err.type, resp::kErrInvalidResourceId);
  expect_fence_echoed(err, fenced_err);
}

TEST_F(GpuTest, NoFenceFlagWithoutAFencedRequest) {
  auto hdr = send(header(cmd::kGetDisplayInfo), sizeof(RespDisplayInfo)).hdr();
  EXPECT_EQ(hdr.flags, 0u);
  EXPECT_EQ(hdr.fence_id, 0u);
}

TEST_F(GpuTest, RequestShorterThanItsHeaderIsUnspec) {
  auto response = send_bytes({0x00, 0x01, 0x00, 0x00});
  EXPECT_EQ(response.type(), resp::kErrUnspec);
  EXPECT_EQ(response.written, sizeof(CtrlHdr));
  EXPECT_EQ(gpu->stats().errors, 1u);
}

TEST_F(GpuTest, RequestShorterThanItsStructIsUnspec) {
  const auto full = as_bytes(ResourceCreate2d{header(cmd::kResourceCreate2d), 1,
                                              format::kB8G8R8X8, 64, 64});
  // A copy without the height (not resize(): gcc 12 at -O1 cannot see that the size stays
  // above 4 and warns that resize's growing path would overflow).
  const std::vector<std::uint8_t> short_by_height(full.begin(), full.end() - 4);
  EXPECT_EQ(send_bytes(short_by_height).type(), resp::kErrUnspec);
  EXPECT_EQ(gpu->resource_count(), 0u);
}

TEST_F(GpuTest, RequestSplitAcrossBuffersIsReadAsOneStream) {
  auto cmd = as_bytes(ResourceCreate2d{header(cmd::kResourceCreate2d), 5,
                                       format::kB8G8R8X8, 8, 8});
  std::vector<std::uint8_t> head(cmd.begin(), cmd.begin() + 10);
  std::vector<std::uint8_t> rest(cmd.begin() + 10, cmd.end());
  auto added = ctrl_ring->add_chain({FakeBuffer::readable(head), FakeBuffer::readable(rest),
                                     FakeBuffer::writable(sizeof(CtrlHdr))});
  gpu->notify_queue(kControlQueue);
  ASSERT_TRUE(ctrl_ring->take_used().has_value());
  EXPECT_EQ(ctrl_ring->read_obj<CtrlHdr>(added.addrs[2]).type, resp::kOkNodata);
  EXPECT_EQ(gpu->resource_count(), 1u);
}

TEST_F(GpuTest, UnknownAndUnsupportedCommandsAreUnspec) {
  for (std::uint32_t type : {0x0u, 0x0177u, 0xffffffffu, cmd::kGetCapsetInfo, cmd::kGetCapset,
                             cmd::kGetEdid, cmd::kResourceCreate3d, cmd::kTransferToHost3d,
                             cmd::kSetScanoutBlob, cmd::kResourceAssignUuid}) {
    std::vector<std::uint8_t> request = as_bytes(header(type));
    request.resize(256, 0);  // long enough for any struct
    EXPECT_EQ(send_bytes(request).type(), resp::kErrUnspec) << std::hex << type;
  }
  auto stats = gpu->stats();
  EXPECT_EQ(stats.errors, 10u);
  EXPECT_EQ(stats.responses[resp::kErrUnspec], 10u);
}

TEST_F(GpuTest, ResponseCutToASmallWritableBufferIsCounted) {
  auto response = send(header(cmd::kGetDisplayInfo), 40);
  EXPECT_EQ(response.written, 40u);
  EXPECT_EQ(response.type(), resp::kOkDisplayInfo);
  EXPECT_EQ(gpu->stats().short_responses, 1u);
  // Without any writable buffer the chain still comes back, with 0 bytes.
  EXPECT_EQ(send(header(cmd::kGetDisplayInfo), 0).written, 0u);
}

TEST_F(GpuTest, BadChainIsReturnedWithZeroLengthAndTheQueueKeepsWorking) {
  // A descriptor pointing outside guest RAM.
  ctrl_ring->write_desc(0, {0xdead0000000ull, 64, 0, 0});
  ctrl_ring->publish(0);
  gpu->notify_queue(kControlQueue);
  auto used = ctrl_ring->take_used();
  ASSERT_TRUE(used.has_value());
  EXPECT_EQ(used->len, 0u);
  EXPECT_EQ(gpu->stats().bad_chains, 1u);
  EXPECT_EQ(send(header(cmd::kGetDisplayInfo), sizeof(RespDisplayInfo)).type(),
            resp::kOkDisplayInfo);
}

TEST_F(GpuTest, CommandsOnTheWrongQueueAreUnspec) {
  UpdateCursor cursor{};
  cursor.hdr = header(cmd::kMoveCursor);
  EXPECT_EQ(send(cursor).type(), resp::kErrUnspec);
  auto response = send_bytes(as_bytes(header(cmd::kGetDisplayInfo)), sizeof(CtrlHdr),
                             kCursorQueue);
  EXPECT_EQ(response.type(), resp::kErrUnspec);
}

TEST_F(GpuTest, CursorQueueCommands) {
  ASSERT_EQ(create_2d(1, 64, 64), resp::kOkNodata);
  UpdateCursor cursor{};
  cursor.hdr = header(cmd::kUpdateCursor);
  cursor.resource_id = 1;
  cursor.pos = {0, 10, 20, 0};
  EXPECT_EQ(send_bytes(as_bytes(cursor), sizeof(CtrlHdr), kCursorQueue).type(),
            resp::kOkNodata);
  // Linux sends cursor commands without a response buffer.
  EXPECT_EQ(send_bytes(as_bytes(cursor), 0, kCursorQueue).written, 0u);
  EXPECT_EQ(interrupt.used.back(), kCursorQueue);
  cursor.resource_id = 77;
  EXPECT_EQ(send_bytes(as_bytes(cursor), sizeof(CtrlHdr), kCursorQueue).type(),
            resp::kErrInvalidResourceId);
  cursor.resource_id = 0;
  cursor.pos.scanout_id = 1;
  EXPECT_EQ(send_bytes(as_bytes(cursor), sizeof(CtrlHdr), kCursorQueue).type(),
            resp::kErrInvalidScanoutId);
}

TEST_F(GpuTest, BlobAndContextCommandsNeedTheirFeature) {
  make_gpu(default_config(), 0);  // the driver negotiated neither VIRGL nor RESOURCE_BLOB
  EXPECT_EQ(ctx_create(1), resp::kErrUnspec);
  gpu::ResourceCreateBlob blob{header(cmd::kResourceCreateBlob), 1, kBlobMemGuest, 0, 0, 0,
                               4096};
  EXPECT_EQ(send(blob).type(), resp::kErrUnspec);
  // 2D still works.
  EXPECT_EQ(create_2d(1, 8, 8), resp::kOkNodata);
}

TEST_F(GpuTest, NotifyBeforeActivateOrForAnUnknownQueueIsIgnored) {
  gpu->notify_queue(5);
  VirtioGpu idle(mem, mapper, default_config());
  idle.notify_queue(0);
  EXPECT_EQ(idle.stats().commands, 0u);
}

TEST_F(GpuTest, ResetFreesResourcesAndStopsTheQueues) {
  ASSERT_EQ(create_2d(1, 8, 8), resp::kOkNodata);
  gpu->reset();
  EXPECT_EQ(gpu->resource_count(), 0u);
  ctrl_ring->add_chain({FakeBuffer::readable(as_bytes(header(cmd::kGetDisplayInfo)))});
  gpu->notify_queue(kControlQueue);
  EXPECT_FALSE(ctrl_ring->take_used().has_value());
}

TEST_F(GpuTest, InvalidConfigIsRefusedAtConstruction) {
  auto config = default_config();
  config.hostmem_size = 3 << 20;
  EXPECT_THROW(VirtioGpu(mem, mapper, config), std::invalid_argument);
}

}  // namespace
}  // namespace vmm::test
