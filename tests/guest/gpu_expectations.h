/* What vmm's virtio-gpu is expected to answer where the virtio spec leaves the choice to the
 * device: the gpu.* checks compare against these, and this is the one place to change when
 * the device's documented behaviour changes. Each check prints the code it got. */
#ifndef TINY_GUEST_GPU_EXPECTATIONS_H
#define TINY_GUEST_GPU_EXPECTATIONS_H

#include <linux/virtio_config.h>
#include <linux/virtio_gpu.h>
#include <stdint.h>

/* RESOURCE_MAP_BLOB at an offset where the blob does not fit in the host-visible region. */
#define GPU_EXPECT_MAP_OUT_OF_RANGE VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER /* 0x1205 */
/* RESOURCE_MAP_BLOB overlapping a blob that is mapped already. */
#define GPU_EXPECT_MAP_OVERLAP VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER /* 0x1205 */
/* RESOURCE_MAP_BLOB / RESOURCE_UNMAP_BLOB naming a resource that was never created. */
#define GPU_EXPECT_MAP_UNKNOWN_RESOURCE VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID   /* 0x1203 */
#define GPU_EXPECT_UNMAP_UNKNOWN_RESOURCE VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID /* 0x1203 */
/* RESOURCE_UNMAP_BLOB of a blob that exists but is not mapped. */
#define GPU_EXPECT_UNMAP_UNMAPPED VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER /* 0x1205 */

/* The map_info cache type RESOURCE_MAP_BLOB reports for a HOST3D blob by default. */
#define GPU_EXPECT_MAP_CACHE VIRTIO_GPU_MAP_CACHE_WC /* 0x3 */

/* Features the device must offer (bit numbers): VIRTIO_F_VERSION_1, VIRGL, RESOURCE_BLOB. */
#define GPU_EXPECT_FEATURES                                                       \
  (((uint64_t)1 << VIRTIO_F_VERSION_1) | ((uint64_t)1 << VIRTIO_GPU_F_VIRGL) | \
   ((uint64_t)1 << VIRTIO_GPU_F_RESOURCE_BLOB))

#endif
