/* State the gpu.* checks share: they run in order (check_gpu.c's table) against one
 * virtio-gpu, each building on what the previous ones set up. A check whose prerequisite
 * failed reports FAIL "not run: ..." rather than touching a half-initialised device. */
#ifndef TINY_GUEST_CHECK_GPU_H
#define TINY_GUEST_CHECK_GPU_H

#include <stdbool.h>
#include <stdint.h>

#include "checks.h"
#include "virtio_gpu.h"

#define GPU_VENDOR_ID 0x1af4
#define GPU_DEVICE_ID 0x1050 /* 0x1040 + virtio device id 16 */

#define GPU_TEST_CTX 1
#define GPU_TEST_RES_2D 1
#define GPU_TEST_RES_BLOB_A 2
#define GPU_TEST_RES_BLOB_B 3
#define GPU_TEST_RES_UNKNOWN 0x7777 /* never created */
#define GPU_TEST_CTX_MOVE 2          /* gpu.bar_move's own context and blob: it works */
#define GPU_TEST_RES_BLOB_MOVE 4     /* whether or not gpu.msix reset the device */
#define GPU_TEST_CTX_FREE 3          /* gpu.free_mapped's context and its two blobs */
#define GPU_TEST_RES_BLOB_UNREF 5
#define GPU_TEST_RES_BLOB_RESET 6
#define GPU_TEST_BLOB_SIZE ((uint64_t)0x10000) /* 64 KiB: 8192 stores, ~0.3 s emulated to hash */

struct gpu_test {
  bool found;      /* gpu.pci: the device and its BARs */
  bool caps_ok;    /* gpu.caps: every structure found and mapped */
  bool ready;      /* gpu.features: FEATURES_OK and DRIVER_OK, queues live */
  bool blob_ready; /* gpu.blob_create: blob A exists in context GPU_TEST_CTX */
  bool map0_ok;    /* gpu.blob_map0: blob A holds the offset-0 pattern */
  bool msix_ready; /* gpu.msix: control-queue completions interrupt through MSI-X entry 0 */
  struct virtio_gpu dev;
};

extern struct gpu_test gpu_test;

/* Resets the device and sets it up again (features, both queues, DRIVER_OK), with MSI-X
 * vector `ctrl_vector` for the control queue and `config_vector` for configuration changes
 * (VIRTIO_PCI_NO_VECTOR: none), each read back. Sets gpu_test.ready; the device's
 * resources are gone, so blob_ready and map0_ok are cleared. On failure fills r. */
bool gpu_bring_up(struct check_result *r, uint16_t ctrl_vector, uint16_t config_vector);

/* Fails r with "not run: <why>" and returns false unless `ok`. */
bool gpu_require(struct check_result *r, bool ok, const char *why);
/* Fails r unless got == want, naming the command and the response. */
bool gpu_expect(struct check_result *r, const char *what, uint32_t got, uint32_t want);

void check_gpu_blob_create(const struct guest_ctx *g, struct check_result *r);
void check_gpu_blob_map0(const struct guest_ctx *g, struct check_result *r);
void check_gpu_blob_map1(const struct guest_ctx *g, struct check_result *r);
void check_gpu_err_map_out_of_range(const struct guest_ctx *g, struct check_result *r);
void check_gpu_err_map_overlap(const struct guest_ctx *g, struct check_result *r);
void check_gpu_err_unknown_resource(const struct guest_ctx *g, struct check_result *r);
void check_gpu_err_unmap_unmapped(const struct guest_ctx *g, struct check_result *r);

#endif
