#include "virtio_gpu.h"

#include "format.h"
#include "libc_min.h"

static struct virtio_gpu_ctrl_hdr hdr(uint32_t type, uint32_t ctx) {
  return (struct virtio_gpu_ctrl_hdr){.type = type, .ctx_id = ctx};
}

static struct virtio_gpu_rect rect(uint32_t w, uint32_t h) {
  return (struct virtio_gpu_rect){0, 0, w, h};
}

uint32_t gpu_command(struct virtio_gpu *g, const void *req, uint32_t req_len, const void *extra,
                     uint32_t extra_len, void *resp, uint32_t resp_len) {
  struct virtq_buf bufs[3];
  unsigned n = 0;
  bufs[n++] = (struct virtq_buf){req, req_len, false};
  if (extra_len > 0) bufs[n++] = (struct virtq_buf){extra, extra_len, false};
  bufs[n++] = (struct virtq_buf){resp, resp_len, true};
  memset(resp, 0, resp_len);

  uint32_t written = 0;
  const char *why = virtq_exchange(&g->ctrl, bufs, n, &written);
  const uint32_t cmd = ((const struct virtio_gpu_ctrl_hdr *)req)->type;
  if (why) {
    format(g->error, sizeof g->error, "command 0x%x: %s", cmd, why);
    return 0;
  }
  if (written < sizeof(struct virtio_gpu_ctrl_hdr)) {
    format(g->error, sizeof g->error, "command 0x%x: device wrote %u response bytes", cmd, written);
    return 0;
  }
  return ((const struct virtio_gpu_ctrl_hdr *)resp)->type;
}

/* The common case: a fixed request, a bare header back. */
static uint32_t simple(struct virtio_gpu *g, const void *req, uint32_t len) {
  struct virtio_gpu_ctrl_hdr resp;
  return gpu_command(g, req, len, 0, 0, &resp, sizeof resp);
}

uint32_t gpu_get_display_info(struct virtio_gpu *g, struct virtio_gpu_resp_display_info *out) {
  struct virtio_gpu_ctrl_hdr req = hdr(VIRTIO_GPU_CMD_GET_DISPLAY_INFO, 0);
  return gpu_command(g, &req, sizeof req, 0, 0, out, sizeof *out);
}

uint32_t gpu_resource_create_2d(struct virtio_gpu *g, uint32_t id, uint32_t format, uint32_t w,
                                uint32_t h) {
  struct virtio_gpu_resource_create_2d req = {
      .hdr = hdr(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, 0), .resource_id = id, .format = format,
      .width = w, .height = h};
  return simple(g, &req, sizeof req);
}

uint32_t gpu_attach_backing(struct virtio_gpu *g, uint32_t id, uint64_t addr, uint32_t len) {
  struct virtio_gpu_resource_attach_backing req = {
      .hdr = hdr(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, 0), .resource_id = id, .nr_entries = 1};
  struct virtio_gpu_mem_entry entry = {.addr = addr, .length = len};
  struct virtio_gpu_ctrl_hdr resp;
  return gpu_command(g, &req, sizeof req, &entry, sizeof entry, &resp, sizeof resp);
}

uint32_t gpu_transfer_to_host_2d(struct virtio_gpu *g, uint32_t id, uint32_t w, uint32_t h) {
  struct virtio_gpu_transfer_to_host_2d req = {
      .hdr = hdr(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 0), .r = rect(w, h), .offset = 0,
      .resource_id = id};
  return simple(g, &req, sizeof req);
}

uint32_t gpu_set_scanout(struct virtio_gpu *g, uint32_t scanout, uint32_t id, uint32_t w,
                         uint32_t h) {
  struct virtio_gpu_set_scanout req = {.hdr = hdr(VIRTIO_GPU_CMD_SET_SCANOUT, 0), .r = rect(w, h),
                                       .scanout_id = scanout, .resource_id = id};
  return simple(g, &req, sizeof req);
}

uint32_t gpu_resource_flush(struct virtio_gpu *g, uint32_t id, uint32_t w, uint32_t h) {
  struct virtio_gpu_resource_flush req = {
      .hdr = hdr(VIRTIO_GPU_CMD_RESOURCE_FLUSH, 0), .r = rect(w, h), .resource_id = id};
  return simple(g, &req, sizeof req);
}

uint32_t gpu_ctx_create(struct virtio_gpu *g, uint32_t ctx, const char *name) {
  struct virtio_gpu_ctx_create req = {.hdr = hdr(VIRTIO_GPU_CMD_CTX_CREATE, ctx)};
  size_t n = strlen(name);
  if (n > sizeof req.debug_name) n = sizeof req.debug_name;
  memcpy(req.debug_name, name, n);
  req.nlen = (uint32_t)n;
  return simple(g, &req, sizeof req);
}

uint32_t gpu_create_blob_host3d(struct virtio_gpu *g, uint32_t ctx, uint32_t id, uint64_t size) {
  struct virtio_gpu_resource_create_blob req = {
      .hdr = hdr(VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB, ctx), .resource_id = id,
      .blob_mem = VIRTIO_GPU_BLOB_MEM_HOST3D, .blob_flags = VIRTIO_GPU_BLOB_FLAG_USE_MAPPABLE,
      .nr_entries = 0, .blob_id = 0, .size = size};
  return simple(g, &req, sizeof req);
}

uint32_t gpu_ctx_attach_resource(struct virtio_gpu *g, uint32_t ctx, uint32_t id) {
  struct virtio_gpu_ctx_resource req = {.hdr = hdr(VIRTIO_GPU_CMD_CTX_ATTACH_RESOURCE, ctx),
                                        .resource_id = id};
  return simple(g, &req, sizeof req);
}

uint32_t gpu_map_blob(struct virtio_gpu *g, uint32_t id, uint64_t offset, uint32_t *map_info) {
  struct virtio_gpu_resource_map_blob req = {.hdr = hdr(VIRTIO_GPU_CMD_RESOURCE_MAP_BLOB, 0),
                                             .resource_id = id, .offset = offset};
  struct virtio_gpu_resp_map_info resp;
  uint32_t type = gpu_command(g, &req, sizeof req, 0, 0, &resp, sizeof resp);
  *map_info = type == VIRTIO_GPU_RESP_OK_MAP_INFO ? resp.map_info : 0;
  return type;
}

uint32_t gpu_resource_unref(struct virtio_gpu *g, uint32_t id) {
  struct virtio_gpu_resource_unref req = {.hdr = hdr(VIRTIO_GPU_CMD_RESOURCE_UNREF, 0),
                                          .resource_id = id};
  return simple(g, &req, sizeof req);
}

uint32_t gpu_unmap_blob(struct virtio_gpu *g, uint32_t id) {
  struct virtio_gpu_resource_unmap_blob req = {.hdr = hdr(VIRTIO_GPU_CMD_RESOURCE_UNMAP_BLOB, 0),
                                               .resource_id = id};
  return simple(g, &req, sizeof req);
}

const char *gpu_response_name(uint32_t type) {
  switch (type) {
    case 0: return "no answer";
    case VIRTIO_GPU_RESP_OK_NODATA: return "OK_NODATA";
    case VIRTIO_GPU_RESP_OK_DISPLAY_INFO: return "OK_DISPLAY_INFO";
    case VIRTIO_GPU_RESP_OK_MAP_INFO: return "OK_MAP_INFO";
    case VIRTIO_GPU_RESP_ERR_UNSPEC: return "ERR_UNSPEC";
    case VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY: return "ERR_OUT_OF_MEMORY";
    case VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID: return "ERR_INVALID_SCANOUT_ID";
    case VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID: return "ERR_INVALID_RESOURCE_ID";
    case VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID: return "ERR_INVALID_CONTEXT_ID";
    case VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER: return "ERR_INVALID_PARAMETER";
    default: return "?";
  }
}
