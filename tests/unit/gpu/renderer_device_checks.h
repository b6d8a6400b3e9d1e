// The device-level checks every renderer backend must pass, whichever virglrenderer runs
// and wherever: in vmm (gpu_renderer_test.cc, the system's) and in vmm-gpu-process
// (gpu_process_renderer_test.cc, the renderer root's). A fixture derives from
// RendererDeviceTest, sets make_renderer (and guest memory the renderer can reach), makes the
// device, and runs the checks from its TEST_Fs.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

#include "tests/unit/gpu/gpu_fixture.h"
#include "tests/unit/gpu/png_reader.h"

namespace vmm::test {

// virgl command stream words (virglrenderer's virgl_protocol.h: command numbers and
// lengths; they are the wire format Mesa's virgl driver speaks).
inline constexpr std::uint32_t kCcmdResourceCopyRegion = 17;
inline constexpr std::uint32_t kCcmdPipeResourceCreate = 48;
constexpr std::uint32_t virgl_cmd0(std::uint32_t cmd, std::uint32_t len) { return cmd | (len << 16); }
inline constexpr std::uint32_t kPipeBuffer = 0;
inline constexpr std::uint32_t kFormatR8Unorm = 64;
inline constexpr std::uint32_t kBindVertexBuffer = 1u << 4;
inline constexpr std::uint32_t kResourceFlagMapPersistent = 1u << 1;
inline constexpr std::uint32_t kResourceFlagMapCoherent = 1u << 2;
inline constexpr std::uint32_t kCapsetVirgl2 = 2;
inline constexpr std::uint64_t kBlobSize = 64 * 1024;

class RendererDeviceTest : public GpuTest {
 protected:
  static VirtioGpuConfig default_config_with_renderer(RendererKind kind = RendererKind::Virgl) {
    VirtioGpuConfig config = default_config();
    config.renderer = kind;
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

  // Two GL buffers made blobs, both mapped into the host-visible region, a pattern written
  // through one mapping, a GPU copy (RESOURCE_COPY_REGION, fenced) into the other, and the
  // pattern read back through the other. REPORTED_BY names who answered map_info.
  void check_copy_between_mapped_blobs(const std::string& reported_by) {
    using namespace gpu;
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
      EXPECT_FALSE(request.cache_reason->producer_context.empty()) << "the blob's context, by capset";
      EXPECT_EQ(request.cache_type, cache_type_for_map_info(map_info));
      if (request.cache_reason->reported_map_info == "NONE")
        EXPECT_EQ(request.cache_reason->map_info_from, "default: " + reported_by + " reported none");
      else
        EXPECT_EQ(request.cache_reason->map_info_from, reported_by);
      EXPECT_FALSE(request.backing) << "renderer memory has no fd the slot keeps";
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

  // A scanout the renderer holds (RESOURCE_CREATE_3D, as GL's window-system buffers are):
  // pixels uploaded from guest pages (TRANSFER_TO_HOST_3D), read back at RESOURCE_FLUSH into
  // vmm's memory, and written as the --gpu-screenshot PNG.
  void check_scanout_becomes_screenshot() {
    using namespace gpu;
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

  // A stream virglrenderer refuses, one the device refuses first, a context that is not
  // there, a blob id no stream announced: each the protocol's error, and the device goes on.
  void check_bad_command_stream_is_an_error() {
    using namespace gpu;
    ASSERT_EQ(ctx_create(1, kCapsetVirgl2), resp::kOkNodata);
    EXPECT_EQ(submit(1, {virgl_cmd0(200, 3), 1, 2, 3}).type(), resp::kErrUnspec);
    EXPECT_EQ(submit(1, {virgl_cmd0(kCcmdPipeResourceCreate, 2), 0, 0}).type(), resp::kErrInvalidParameter);
    EXPECT_EQ(submit(9, pipe_buffer(1)).type(), resp::kErrInvalidContextId);
    EXPECT_EQ(create_host_blob(5, kBlobSize, 1, kBlobFlagMappable, 99), resp::kErrUnspec);
    EXPECT_GE(gpu->renderer_stats()->renderer_errors, 1u);
    ASSERT_EQ(submit(1, pipe_buffer(3)).type(), resp::kOkNodata);
    EXPECT_EQ(create_host_blob(5, kBlobSize, 1, kBlobFlagMappable, 3), resp::kOkNodata);
  }
};

}  // namespace vmm::test
