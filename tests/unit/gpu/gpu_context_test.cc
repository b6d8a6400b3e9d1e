// 3D contexts as bookkeeping, and SUBMIT_3D without a renderer.
#include <gtest/gtest.h>

#include "devices/gpu/gpu_limits.h"
#include "tests/unit/gpu/gpu_fixture.h"

namespace vmm::test {
namespace {

using namespace gpu;

using Ids = std::set<std::uint32_t>;

TEST_F(GpuTest, ContextLifecycle) {
  EXPECT_EQ(ctx_create(1), resp::kOkNodata);
  EXPECT_EQ(gpu->context_resources(1), Ids{});
  ASSERT_EQ(create_2d(10, 4, 4), resp::kOkNodata);
  EXPECT_EQ(resource_cmd(cmd::kCtxAttachResource, 10, 1), resp::kOkNodata);
  EXPECT_EQ(resource_cmd(cmd::kCtxAttachResource, 10, 1), resp::kOkNodata);  // idempotent
  EXPECT_EQ(gpu->context_resources(1), Ids{10});
  EXPECT_EQ(resource_cmd(cmd::kCtxDetachResource, 10, 1), resp::kOkNodata);
  EXPECT_EQ(gpu->context_resources(1), Ids{});
  EXPECT_EQ(resource_cmd(cmd::kCtxDetachResource, 10, 1), resp::kErrInvalidParameter);
  EXPECT_EQ(send(header(cmd::kCtxDestroy, 1)).type(), resp::kOkNodata);
  EXPECT_FALSE(gpu->context_resources(1).has_value());
  EXPECT_EQ(send(header(cmd::kCtxDestroy, 1)).type(), resp::kErrInvalidContextId);
}

TEST_F(GpuTest, ContextCreateErrors) {
  EXPECT_EQ(ctx_create(0), resp::kErrInvalidContextId);
  ASSERT_EQ(ctx_create(2), resp::kOkNodata);
  EXPECT_EQ(ctx_create(2), resp::kErrInvalidContextId);
  EXPECT_EQ(ctx_create(3, /*context_init=*/1), resp::kErrInvalidParameter);
  CtxCreate cmd{};
  cmd.hdr = header(cmd::kCtxCreate, 4);
  cmd.nlen = 65;
  EXPECT_EQ(send(cmd).type(), resp::kErrInvalidParameter);
  auto short_request = as_bytes(cmd);
  short_request.resize(40);
  EXPECT_EQ(send_bytes(short_request).type(), resp::kErrUnspec);
  EXPECT_FALSE(gpu->context_resources(4).has_value());
}

TEST_F(GpuTest, ContextCountIsCapped) {
  for (std::uint32_t ctx = 1; ctx <= limits::kMaxContexts; ++ctx)
    ASSERT_EQ(ctx_create(ctx), resp::kOkNodata);
  EXPECT_EQ(ctx_create(limits::kMaxContexts + 1), resp::kErrOutOfMemory);
}

TEST_F(GpuTest, AttachAndDetachErrors) {
  ASSERT_EQ(ctx_create(1), resp::kOkNodata);
  ASSERT_EQ(create_2d(10, 4, 4), resp::kOkNodata);
  EXPECT_EQ(resource_cmd(cmd::kCtxAttachResource, 10, 2), resp::kErrInvalidContextId);
  EXPECT_EQ(resource_cmd(cmd::kCtxAttachResource, 10, 0), resp::kErrInvalidContextId);
  EXPECT_EQ(resource_cmd(cmd::kCtxAttachResource, 11, 1), resp::kErrInvalidResourceId);
  EXPECT_EQ(resource_cmd(cmd::kCtxDetachResource, 10, 2), resp::kErrInvalidContextId);
  EXPECT_EQ(resource_cmd(cmd::kCtxDetachResource, 11, 1), resp::kErrInvalidResourceId);
}

TEST_F(GpuTest, HostBlobsJoinTheirContextAndUnrefLeavesIt) {
  ASSERT_EQ(ctx_create(1), resp::kOkNodata);
  ASSERT_EQ(create_host_blob(5, 4096, 1), resp::kOkNodata);
  EXPECT_EQ(gpu->context_resources(1), Ids{5});
  ASSERT_EQ(resource_cmd(cmd::kResourceUnref, 5), resp::kOkNodata);
  EXPECT_EQ(gpu->context_resources(1), Ids{});
}

TEST_F(GpuTest, DestroyingAContextKeepsItsResources) {
  ASSERT_EQ(ctx_create(1), resp::kOkNodata);
  ASSERT_EQ(create_host_blob(5, 4096, 1), resp::kOkNodata);
  ASSERT_EQ(send(header(cmd::kCtxDestroy, 1)).type(), resp::kOkNodata);
  EXPECT_EQ(gpu->resource_count(), 1u);
  EXPECT_EQ(map_blob(5, 0).type(), resp::kOkMapInfo);
}

TEST_F(GpuTest, Submit3dIsUnspecWithoutARenderer) {
  ASSERT_EQ(ctx_create(1), resp::kOkNodata);
  CmdSubmit submit{header(cmd::kSubmit3d, 1), 8, 0};
  auto bytes = as_bytes(submit);
  bytes.resize(bytes.size() + 8, 0);
  EXPECT_EQ(send_bytes(bytes).type(), resp::kErrUnspec);
  EXPECT_EQ(send_bytes(as_bytes(header(cmd::kSubmit3d, 1))).type(), resp::kErrUnspec);
}

}  // namespace
}  // namespace vmm::test
