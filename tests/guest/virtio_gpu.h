/* virtio-gpu commands (virtio 1.2 §5.7.6) over the control queue, one at a time: each helper
 * builds the request on the stack, sends it with a zeroed response buffer, and returns the
 * response's type (VIRTIO_GPU_RESP_OK_* or _ERR_*), or 0 when the transport failed (no
 * answer, a short answer); gpu->error then says why. Layouts come from the uapi header
 * <linux/virtio_gpu.h>. */
#ifndef TINY_GUEST_VIRTIO_GPU_H
#define TINY_GUEST_VIRTIO_GPU_H

#include <linux/virtio_gpu.h>
#include <stdint.h>

#include "virtio_pci.h"
#include "virtq.h"

#define VIRTIO_GPU_QUEUE_CONTROL 0
#define VIRTIO_GPU_QUEUE_CURSOR 1

struct virtio_gpu {
  struct virtio_pci pci;
  struct virtq ctrl, cursor;
  uint64_t offered;    /* device features */
  uint64_t negotiated; /* what the driver accepted */
  char error[128];
};

/* Sends `req` (and `extra` as a second device-readable buffer when extra_len > 0) and
 * waits for the response in `resp`. Returns the response type or 0. */
uint32_t gpu_command(struct virtio_gpu *g, const void *req, uint32_t req_len, const void *extra,
                     uint32_t extra_len, void *resp, uint32_t resp_len);

uint32_t gpu_get_display_info(struct virtio_gpu *g, struct virtio_gpu_resp_display_info *out);
uint32_t gpu_resource_create_2d(struct virtio_gpu *g, uint32_t id, uint32_t format, uint32_t w,
                                uint32_t h);
/* One backing entry, sent as a second descriptor after the header (as Linux does). */
uint32_t gpu_attach_backing(struct virtio_gpu *g, uint32_t id, uint64_t addr, uint32_t len);
uint32_t gpu_transfer_to_host_2d(struct virtio_gpu *g, uint32_t id, uint32_t w, uint32_t h);
uint32_t gpu_set_scanout(struct virtio_gpu *g, uint32_t scanout, uint32_t id, uint32_t w,
                         uint32_t h);
uint32_t gpu_resource_flush(struct virtio_gpu *g, uint32_t id, uint32_t w, uint32_t h);

uint32_t gpu_ctx_create(struct virtio_gpu *g, uint32_t ctx, const char *name);
/* A VIRTIO_GPU_BLOB_MEM_HOST3D blob with VIRTIO_GPU_BLOB_FLAG_USE_MAPPABLE, no entries. */
uint32_t gpu_create_blob_host3d(struct virtio_gpu *g, uint32_t ctx, uint32_t id, uint64_t size);
uint32_t gpu_ctx_attach_resource(struct virtio_gpu *g, uint32_t ctx, uint32_t id);
/* *map_info receives the OK_MAP_INFO answer's map_info (0 otherwise). */
uint32_t gpu_map_blob(struct virtio_gpu *g, uint32_t id, uint64_t offset, uint32_t *map_info);
uint32_t gpu_unmap_blob(struct virtio_gpu *g, uint32_t id);
uint32_t gpu_resource_unref(struct virtio_gpu *g, uint32_t id);

/* "OK_NODATA", "ERR_INVALID_PARAMETER", ... ("?" for others): for FAIL details. */
const char *gpu_response_name(uint32_t type);

#endif
