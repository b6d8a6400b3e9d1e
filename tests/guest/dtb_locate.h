/* Finds the device tree vmm hands over: the first SETUP_DTB entry of the setup_data chain
 * in boot_params. The walk is bounded (a longer chain is taken for a loop), every node must
 * lie in RAM by e820, and the blob is opened with the guest's own reader (fdt.c), which
 * checks all of it. Used by the fdt.* checks and by anything that reads a vmm property. */
#ifndef TINY_GUEST_DTB_LOCATE_H
#define TINY_GUEST_DTB_LOCATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot_params.h"
#include "fdt.h"

/* A longer chain than this is taken for a loop. vmm writes one node. */
#define SETUP_CHAIN_MAX 16

struct dtb_location {
  uint64_t setup_data; /* the SETUP_DTB node's guest-physical address */
  uint32_t len;        /* its payload length */
  unsigned nodes;      /* nodes in the whole chain */
  const uint8_t *blob; /* the payload */
};

/* True and *f opened when the tree is there and sound; else false and why (a formatted
 * line) in `why`. Recomputes the e820 spans (e820_spans.h). */
bool dtb_locate(const struct boot_params *bp, struct fdt *f, struct dtb_location *where,
                char *why, size_t why_size);

/* The string property `name` of /vmm, or NULL when there is no usable tree or no such
 * property. */
const char *dtb_vmm_property(const struct boot_params *bp, const char *name);

#endif
