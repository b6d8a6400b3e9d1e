/* gpu.*: vmm's virtio-gpu as a driver meets it, step by step (the blob checks are in
 * check_gpu_blob.c):
 *   gpu.pci           1af4:1050 on bus 0, its BARs read and sized
 *   gpu.caps          common/notify/isr/device structures and the host-visible shared
 *                     memory region (id 1, cap_len 24, inside its BAR, the length
 *                     vmmtest.gpu_hostmem names), MSI-X; all of it mapped
 *   gpu.features      VERSION_1, VIRGL and RESOURCE_BLOB offered and accepted (FEATURES_OK),
 *                     control and cursor queues live, DRIVER_OK
 *   gpu.display_info  scanout 0 enabled with a size
 *   gpu.2d            a 64x64 resource shown on scanout 0, every step OK_NODATA */
#include "check_gpu.h"

#include <linux/virtio_config.h>
#include <stdarg.h>

#include "blob_pattern.h"
#include "format.h"
#include "gpu_expectations.h"

#define QUEUE_SIZE 16
#define FB_WIDTH 64
#define FB_HEIGHT 64

struct gpu_test gpu_test;

static struct virtq_ring ctrl_ring, cursor_ring;
static uint32_t framebuffer[FB_WIDTH * FB_HEIGHT] __attribute__((aligned(4096)));

bool gpu_require(struct check_result *r, bool ok, const char *why) {
  if (!ok) check_fail(r, "not run: %s", why);
  return ok;
}

bool gpu_expect(struct check_result *r, const char *what, uint32_t got, uint32_t want) {
  if (got == want) return true;
  if (got == 0)
    check_fail(r, "%s: %s", what, gpu_test.dev.error);
  else
    check_fail(r, "%s answered 0x%x %s, want 0x%x %s", what, got, gpu_response_name(got), want,
               gpu_response_name(want));
  return false;
}

struct text {
  char *buf;
  size_t size, len;
};

static void append(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(struct text *t, const char *fmt, ...) {
  if (t->len >= t->size) return;
  va_list ap;
  va_start(ap, fmt);
  t->len += format_v(t->buf + t->len, t->size - t->len, fmt, ap);
  va_end(ap);
}

static void check_gpu_pci(const struct guest_ctx *g, struct check_result *r) {
  (void)g;
  struct pci_addr a;
  if (!pci_find(GPU_VENDOR_ID, GPU_DEVICE_ID, &a)) {
    check_fail(r, "no virtio-gpu %04x:%04x on PCI bus 0", GPU_VENDOR_ID, GPU_DEVICE_ID);
    return;
  }
  struct virtio_pci *d = &gpu_test.dev.pci;
  virtio_pci_init(d, a);
  uint8_t rev = pci_read8(a, PCI_REG_REVISION);
  /* Memory decoding for the BARs, bus mastering for the rings. */
  pci_write16(a, PCI_REG_COMMAND,
              (uint16_t)(pci_read16(a, PCI_REG_COMMAND) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER));

  char bars[160];
  struct text t = {bars, sizeof bars, 0};
  bars[0] = '\0';
  unsigned present = 0;
  for (unsigned i = 0; i < PCI_BAR_COUNT; i++) {
    const struct pci_bar *b = &d->bars[i];
    if (!b->present) continue;
    present++;
    append(&t, " bar%u=%s%s@0x%lx+0x%lx", i, b->io ? "io" : b->mem64 ? "m64" : "m32",
           b->prefetch ? "p" : "", b->base, b->size);
  }
  if (rev < 1) {
    check_fail(r, "bdf=00:%02x.%u revision %u: a modern (non-transitional) device has >= 1",
               a.dev, a.fn, rev);
    return;
  }
  if (present == 0) {
    check_fail(r, "bdf=00:%02x.%u has no BARs", a.dev, a.fn);
    return;
  }
  gpu_test.found = true;
  check_pass(r, "bdf=00:%02x.%u rev=%u%s", a.dev, a.fn, rev, bars);
}

static void check_gpu_caps(const struct guest_ctx *g, struct check_result *r) {
  if (!gpu_require(r, gpu_test.found, "gpu.pci failed")) return;
  struct virtio_pci *d = &gpu_test.dev.pci;
  if (!virtio_pci_read_caps(d, VIRTIO_GPU_SHM_ID_HOST_VISIBLE)) {
    check_fail(r, "%s", d->error);
    return;
  }
  const struct param_u64 *want = &g->params.gpu_hostmem;
  if (want->present && !want->valid) {
    check_fail(r, "vmmtest.gpu_hostmem is not a number");
    return;
  }
  if (want->present && d->shm.length != want->value) {
    check_fail(r, "shm=0x%lx+0x%lx: length 0x%lx, want 0x%lx (vmmtest.gpu_hostmem)", d->shm.addr,
               d->shm.length, d->shm.length, want->value);
    return;
  }
  if (!d->msix) {
    check_fail(r, "no MSI-X capability");
    return;
  }
  gpu_test.caps_ok = true;
  check_pass(r,
             "shm=0x%lx+0x%lx in bar%u (size 0x%lx) common=bar%u+0x%lx notify=bar%u+0x%lx*%u "
             "isr=bar%u+0x%lx device=bar%u+0x%lx msix=%u@bar%u",
             d->shm.addr, d->shm.length, d->shm.bar, d->bars[d->shm.bar].size, d->common.bar,
             d->common.offset, d->notify.bar, d->notify.offset, d->notify_off_multiplier,
             d->isr.bar, d->isr.offset, d->device.bar, d->device.offset, d->msix_table_size,
             d->msix_bar);
}

bool gpu_bring_up(struct check_result *r, uint16_t ctrl_vector, uint16_t config_vector) {
  struct virtio_gpu *gpu = &gpu_test.dev;
  struct virtio_pci *d = &gpu->pci;
  /* Whatever the device held goes with the reset. */
  gpu_test.ready = gpu_test.blob_ready = gpu_test.map0_ok = false;
  if (!virtio_pci_reset(d)) {
    check_fail(r, "%s", d->error);
    return false;
  }
  virtio_pci_add_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE);
  virtio_pci_add_status(d, VIRTIO_CONFIG_S_DRIVER);
  gpu->offered = virtio_pci_device_features(d);
  if ((gpu->offered & GPU_EXPECT_FEATURES) != GPU_EXPECT_FEATURES) {
    virtio_pci_add_status(d, VIRTIO_CONFIG_S_FAILED);
    check_fail(r, "offered 0x%lx lacks 0x%lx (VERSION_1, VIRGL, RESOURCE_BLOB)", gpu->offered,
               GPU_EXPECT_FEATURES & ~gpu->offered);
    return false;
  }
  /* Exactly these: no EVENT_IDX (this driver polls) and nothing it does not implement. */
  gpu->negotiated = GPU_EXPECT_FEATURES;
  if (!virtio_pci_set_features(d, gpu->negotiated)) {
    virtio_pci_add_status(d, VIRTIO_CONFIG_S_FAILED);
    check_fail(r, "offered=0x%lx: %s", gpu->offered, d->error);
    return false;
  }
  uint16_t queues = virtio_pci_num_queues(d);
  if (queues < 2) {
    virtio_pci_add_status(d, VIRTIO_CONFIG_S_FAILED);
    check_fail(r, "num_queues=%u, want control and cursor queues", queues);
    return false;
  }
  if (config_vector != VIRTIO_PCI_NO_VECTOR) {
    uint16_t got = virtio_pci_set_config_vector(d, config_vector);
    if (got != config_vector) {
      virtio_pci_add_status(d, VIRTIO_CONFIG_S_FAILED);
      check_fail(r, "config_msix_vector %u reads back 0x%x", config_vector, got);
      return false;
    }
  }
  if (!virtio_pci_setup_queue_vector(d, VIRTIO_GPU_QUEUE_CONTROL, QUEUE_SIZE, ctrl_vector,
                                     &gpu->ctrl, &ctrl_ring) ||
      !virtio_pci_setup_queue(d, VIRTIO_GPU_QUEUE_CURSOR, QUEUE_SIZE, &gpu->cursor, &cursor_ring)) {
    virtio_pci_add_status(d, VIRTIO_CONFIG_S_FAILED);
    check_fail(r, "%s", d->error);
    return false;
  }
  virtio_pci_add_status(d, VIRTIO_CONFIG_S_DRIVER_OK);
  uint8_t status = virtio_pci_status(d);
  const uint8_t want = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
                       VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK;
  if (status != want) {
    check_fail(r, "device_status 0x%x after DRIVER_OK, want 0x%x", status, want);
    return false;
  }
  gpu_test.ready = true;
  return true;
}

static void check_gpu_features(const struct guest_ctx *g, struct check_result *r) {
  (void)g;
  if (!gpu_require(r, gpu_test.caps_ok, "gpu.caps failed")) return;
  if (!gpu_bring_up(r, VIRTIO_PCI_NO_VECTOR, VIRTIO_PCI_NO_VECTOR)) return;
  struct virtio_gpu *gpu = &gpu_test.dev;
  check_pass(r, "offered=0x%lx accepted=0x%lx status=0x%x queues=%u ctrl=%u cursor=%u",
             gpu->offered, gpu->negotiated, virtio_pci_status(&gpu->pci),
             virtio_pci_num_queues(&gpu->pci), gpu->ctrl.size, gpu->cursor.size);
}

// A picture a person recognises in --gpu-screenshot: red grows to the right, green
// downwards, blue is constant, and the diagonal is white. Pixels are B8G8R8X8.
static void fill_test_card(void) {
  for (uint32_t y = 0; y < FB_HEIGHT; ++y)
    for (uint32_t x = 0; x < FB_WIDTH; ++x) {
      uint32_t red = x * 255 / (FB_WIDTH - 1), green = y * 255 / (FB_HEIGHT - 1), blue = 0x60;
      if (x == y) red = green = blue = 0xff;
      framebuffer[y * FB_WIDTH + x] = (red << 16) | (green << 8) | blue;
    }
}

static void check_gpu_display_info(const struct guest_ctx *g, struct check_result *r) {
  (void)g;
  if (!gpu_require(r, gpu_test.ready, "gpu.features failed")) return;
  struct virtio_gpu *gpu = &gpu_test.dev;
  uint32_t scanouts = virtio_pci_device_cfg_read32(&gpu->pci, offsetof(struct virtio_gpu_config, num_scanouts));
  uint32_t capsets = virtio_pci_device_cfg_read32(&gpu->pci, offsetof(struct virtio_gpu_config, num_capsets));
  if (scanouts < 1 || scanouts > VIRTIO_GPU_MAX_SCANOUTS) {
    check_fail(r, "device config num_scanouts=%u, want 1..16", scanouts);
    return;
  }
  struct virtio_gpu_resp_display_info info;
  if (!gpu_expect(r, "GET_DISPLAY_INFO", gpu_get_display_info(gpu, &info),
                  VIRTIO_GPU_RESP_OK_DISPLAY_INFO))
    return;
  const struct virtio_gpu_display_one *m = &info.pmodes[0];
  if (!m->enabled || m->r.width == 0 || m->r.height == 0) {
    check_fail(r, "scanout 0: enabled=%u %ux%u", m->enabled, m->r.width, m->r.height);
    return;
  }
  check_pass(r, "scanout0=%ux%u enabled num_scanouts=%u num_capsets=%u", m->r.width, m->r.height,
             scanouts, capsets);
}

static void check_gpu_2d(const struct guest_ctx *g, struct check_result *r) {
  (void)g;
  if (!gpu_require(r, gpu_test.ready, "gpu.features failed")) return;
  struct virtio_gpu *gpu = &gpu_test.dev;
  const uint32_t id = GPU_TEST_RES_2D;
  fill_test_card();
  if (!gpu_expect(r, "RESOURCE_CREATE_2D",
                  gpu_resource_create_2d(gpu, id, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, FB_WIDTH,
                                         FB_HEIGHT),
                  VIRTIO_GPU_RESP_OK_NODATA) ||
      !gpu_expect(r, "RESOURCE_ATTACH_BACKING",
                  gpu_attach_backing(gpu, id, (uint64_t)(uintptr_t)framebuffer, sizeof framebuffer),
                  VIRTIO_GPU_RESP_OK_NODATA) ||
      !gpu_expect(r, "TRANSFER_TO_HOST_2D", gpu_transfer_to_host_2d(gpu, id, FB_WIDTH, FB_HEIGHT),
                  VIRTIO_GPU_RESP_OK_NODATA) ||
      !gpu_expect(r, "SET_SCANOUT", gpu_set_scanout(gpu, 0, id, FB_WIDTH, FB_HEIGHT),
                  VIRTIO_GPU_RESP_OK_NODATA) ||
      !gpu_expect(r, "RESOURCE_FLUSH", gpu_resource_flush(gpu, id, FB_WIDTH, FB_HEIGHT),
                  VIRTIO_GPU_RESP_OK_NODATA))
    return;
  check_pass(r, "resource %u %ux%u B8G8R8X8 backing=0x%lx on scanout 0: create, attach, transfer, "
             "scanout, flush OK_NODATA",
             id, FB_WIDTH, FB_HEIGHT, (uint64_t)(uintptr_t)framebuffer);
}

const struct named_check gpu_checks[] = {
    {"gpu.pci", check_gpu_pci},
    {"gpu.caps", check_gpu_caps},
    {"gpu.features", check_gpu_features},
    {"gpu.display_info", check_gpu_display_info},
    {"gpu.2d", check_gpu_2d},
    {"gpu.blob_create", check_gpu_blob_create},
    {"gpu.blob_map0", check_gpu_blob_map0},
    {"gpu.blob_map1", check_gpu_blob_map1},
    {"gpu.err_map_out_of_range", check_gpu_err_map_out_of_range},
    {"gpu.err_map_overlap", check_gpu_err_map_overlap},
    {"gpu.err_unknown_resource", check_gpu_err_unknown_resource},
    {"gpu.err_unmap_unmapped", check_gpu_err_unmap_unmapped},
};
const unsigned gpu_checks_count = sizeof gpu_checks / sizeof gpu_checks[0];
