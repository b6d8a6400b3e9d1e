#include "dtb_locate.h"

#include "e820_spans.h"
#include "format.h"

bool dtb_locate(const struct boot_params *bp, struct fdt *f, struct dtb_location *where,
                char *why, size_t why_size) {
  const char *e820_why = e820_spans_compute(bp);
  if (e820_why) {
    format(why, why_size, "%s", e820_why);
    return false;
  }
  const uint64_t head = bp->hdr.setup_data;
  uint64_t addr = head, found = 0;
  uint32_t found_len = 0;
  unsigned nodes = 0;
  while (addr != 0) {
    if (nodes == SETUP_CHAIN_MAX) {
      format(why, why_size, "setup_data chain from 0x%lx longer than %u nodes (a loop?)", head,
             SETUP_CHAIN_MAX);
      return false;
    }
    const uint64_t hdr_len = sizeof(struct setup_data);
    if (!phys_readable(addr, hdr_len) || !e820_in_ram(addr, hdr_len)) {
      format(why, why_size, "setup_data node %u at 0x%lx is not in RAM", nodes, addr);
      return false;
    }
    const struct setup_data *sd = phys_ptr(addr);
    const uint32_t type = sd->type, len = sd->len;
    const uint64_t next = sd->next;
    if (!phys_readable(addr, hdr_len + len) || !e820_in_ram(addr, hdr_len + len)) {
      format(why, why_size, "setup_data node %u at 0x%lx: type %u len %u runs out of RAM", nodes,
             addr, type, len);
      return false;
    }
    if (type == SETUP_DTB && found == 0) {
      found = addr;
      found_len = len;
    }
    nodes++;
    addr = next;
  }
  if (found == 0) {
    format(why, why_size, "no SETUP_DTB in the setup_data chain (%u nodes, head=0x%lx)", nodes, head);
    return false;
  }
  struct fdt_error err;
  const uint8_t *blob = phys_ptr(found + sizeof(struct setup_data));
  if (!fdt_open(f, blob, found_len, &err)) {
    format(why, why_size, "SETUP_DTB at 0x%lx len %u: %s (0x%lx)", found, found_len, err.what, err.at);
    return false;
  }
  *where = (struct dtb_location){found, found_len, nodes, blob};
  return true;
}

const char *dtb_vmm_property(const struct boot_params *bp, const char *name) {
  static struct fdt f;
  struct dtb_location where;
  char why[8];
  if (!dtb_locate(bp, &f, &where, why, sizeof why)) return NULL;
  return fdt_prop_string(&f, fdt_path(&f, "/vmm"), name);
}
