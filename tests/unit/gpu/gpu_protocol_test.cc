// The device's own protocol structs against the kernel's UAPI header: same sizes, same field
// offsets, same numbers.
#include <gtest/gtest.h>
#include <linux/virtio_gpu.h>

#include <cstddef>

#include "devices/gpu/virtio_gpu_protocol.h"

namespace vmm::gpu {
namespace {

#define SAME_SIZE(ours, theirs) static_assert(sizeof(ours) == sizeof(struct theirs), #ours)
#define SAME_OFFSET(ours, theirs, field) \
  static_assert(offsetof(ours, field) == offsetof(struct theirs, field), #ours "." #field)

SAME_SIZE(CtrlHdr, virtio_gpu_ctrl_hdr);
SAME_OFFSET(CtrlHdr, virtio_gpu_ctrl_hdr, fence_id);
SAME_OFFSET(CtrlHdr, virtio_gpu_ctrl_hdr, ctx_id);
SAME_OFFSET(CtrlHdr, virtio_gpu_ctrl_hdr, ring_idx);
SAME_SIZE(Rect, virtio_gpu_rect);
SAME_SIZE(UpdateCursor, virtio_gpu_update_cursor);
SAME_OFFSET(UpdateCursor, virtio_gpu_update_cursor, resource_id);
SAME_OFFSET(UpdateCursor, virtio_gpu_update_cursor, hot_y);
SAME_SIZE(ResourceCreate2d, virtio_gpu_resource_create_2d);
SAME_OFFSET(ResourceCreate2d, virtio_gpu_resource_create_2d, height);
SAME_SIZE(ResourceIdCmd, virtio_gpu_resource_unref);
SAME_SIZE(ResourceIdCmd, virtio_gpu_resource_detach_backing);
SAME_SIZE(ResourceIdCmd, virtio_gpu_resource_unmap_blob);
SAME_SIZE(ResourceIdCmd, virtio_gpu_ctx_resource);
SAME_SIZE(SetScanout, virtio_gpu_set_scanout);
SAME_OFFSET(SetScanout, virtio_gpu_set_scanout, resource_id);
SAME_SIZE(ResourceFlush, virtio_gpu_resource_flush);
SAME_OFFSET(ResourceFlush, virtio_gpu_resource_flush, resource_id);
SAME_SIZE(TransferToHost2d, virtio_gpu_transfer_to_host_2d);
SAME_OFFSET(TransferToHost2d, virtio_gpu_transfer_to_host_2d, offset);
SAME_OFFSET(TransferToHost2d, virtio_gpu_transfer_to_host_2d, resource_id);
SAME_SIZE(MemEntry, virtio_gpu_mem_entry);
SAME_SIZE(ResourceAttachBacking, virtio_gpu_resource_attach_backing);
SAME_OFFSET(ResourceAttachBacking, virtio_gpu_resource_attach_backing, nr_entries);
SAME_SIZE(RespDisplayInfo, virtio_gpu_resp_display_info);
SAME_SIZE(CtxCreate, virtio_gpu_ctx_create);
SAME_OFFSET(CtxCreate, virtio_gpu_ctx_create, context_init);
SAME_OFFSET(CtxCreate, virtio_gpu_ctx_create, debug_name);
SAME_SIZE(CmdSubmit, virtio_gpu_cmd_submit);
SAME_SIZE(ResourceCreateBlob, virtio_gpu_resource_create_blob);
SAME_OFFSET(ResourceCreateBlob, virtio_gpu_resource_create_blob, blob_mem);
SAME_OFFSET(ResourceCreateBlob, virtio_gpu_resource_create_blob, nr_entries);
SAME_OFFSET(ResourceCreateBlob, virtio_gpu_resource_create_blob, blob_id);
SAME_OFFSET(ResourceCreateBlob, virtio_gpu_resource_create_blob, size);
SAME_SIZE(ResourceMapBlob, virtio_gpu_resource_map_blob);
SAME_OFFSET(ResourceMapBlob, virtio_gpu_resource_map_blob, offset);
SAME_SIZE(RespMapInfo, virtio_gpu_resp_map_info);
SAME_OFFSET(RespMapInfo, virtio_gpu_resp_map_info, map_info);
SAME_SIZE(Config, virtio_gpu_config);
SAME_OFFSET(Config, virtio_gpu_config, num_capsets);

TEST(GpuProtocolTest, NumbersMatchTheKernelHeader) {
  EXPECT_EQ(kFeatureVirgl, unsigned{VIRTIO_GPU_F_VIRGL});
  EXPECT_EQ(kFeatureResourceBlob, unsigned{VIRTIO_GPU_F_RESOURCE_BLOB});
  EXPECT_EQ(kFeatureContextInit, unsigned{VIRTIO_GPU_F_CONTEXT_INIT});
  EXPECT_EQ(kShmIdHostVisible, VIRTIO_GPU_SHM_ID_HOST_VISIBLE);
  EXPECT_EQ(cmd::kGetDisplayInfo, VIRTIO_GPU_CMD_GET_DISPLAY_INFO);
  EXPECT_EQ(cmd::kResourceDetachBacking, VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING);
  EXPECT_EQ(cmd::kResourceCreateBlob, VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB);
  EXPECT_EQ(cmd::kSetScanoutBlob, VIRTIO_GPU_CMD_SET_SCANOUT_BLOB);
  EXPECT_EQ(cmd::kCtxCreate, VIRTIO_GPU_CMD_CTX_CREATE);
  EXPECT_EQ(cmd::kSubmit3d, VIRTIO_GPU_CMD_SUBMIT_3D);
  EXPECT_EQ(cmd::kResourceMapBlob, VIRTIO_GPU_CMD_RESOURCE_MAP_BLOB);
  EXPECT_EQ(cmd::kResourceUnmapBlob, VIRTIO_GPU_CMD_RESOURCE_UNMAP_BLOB);
  EXPECT_EQ(cmd::kMoveCursor, VIRTIO_GPU_CMD_MOVE_CURSOR);
  EXPECT_EQ(resp::kOkMapInfo, VIRTIO_GPU_RESP_OK_MAP_INFO);
  EXPECT_EQ(resp::kErrInvalidParameter, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
  EXPECT_EQ(kFlagFence, unsigned{VIRTIO_GPU_FLAG_FENCE});
  EXPECT_EQ(kFlagInfoRingIdx, unsigned{VIRTIO_GPU_FLAG_INFO_RING_IDX});
  EXPECT_EQ(format::kB8G8R8X8, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM);
  EXPECT_EQ(format::kR8G8B8X8, VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM);
  EXPECT_EQ(format::kA8B8G8R8, VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM);
  EXPECT_EQ(kBlobMemHost3d, unsigned{VIRTIO_GPU_BLOB_MEM_HOST3D});
  EXPECT_EQ(kBlobFlagMappable, unsigned{VIRTIO_GPU_BLOB_FLAG_USE_MAPPABLE});
  EXPECT_EQ(kMapCacheWc, unsigned{VIRTIO_GPU_MAP_CACHE_WC});
  EXPECT_EQ(kMapCacheUncached, unsigned{VIRTIO_GPU_MAP_CACHE_UNCACHED});
  EXPECT_EQ(kMapCacheCached, unsigned{VIRTIO_GPU_MAP_CACHE_CACHED});
  EXPECT_EQ(kMaxScanouts, unsigned{VIRTIO_GPU_MAX_SCANOUTS});
}

}  // namespace
}  // namespace vmm::gpu
