/* A small, freestanding reader of flattened device trees (DTB, devicetree specification
 * v0.4 §5), written for the tiny guest and also compiled on the host by tests/dtb's reader
 * test. No libc, no allocation, no libfdt.
 *
 * Trust model: the blob comes from the VMM and may be corrupt. fdt_open checks the header
 * against the bytes available and then walks the whole structure block once (tokens, names,
 * property lengths, string offsets, nesting), so that a bad blob is refused up front with a
 * reason. The lookups below still bounds-check every offset they follow: none of them can
 * read outside [blob, blob + totalsize) whatever the bytes say.
 *
 * Nodes are named by the offset of their FDT_BEGIN_NODE token from the start of the blob;
 * a negative value means "no such node". */
#ifndef TINY_GUEST_FDT_H
#define TINY_GUEST_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_NOP 4u
#define FDT_END 9u

/* Nesting deeper than this is refused (vmm's trees are 3 levels deep). */
#define FDT_MAX_DEPTH 16

struct fdt {
  const uint8_t *blob;
  uint32_t totalsize;
  uint32_t version;
  uint32_t last_comp_version;
  uint32_t struct_off, struct_end;   /* the structure block: [struct_off, struct_end) */
  uint32_t strings_off, strings_end; /* the strings block */
  uint32_t rsvmap_entries;           /* memory reservation entries before the terminator */
  uint32_t nodes, props;             /* counted by fdt_open */
};

/* Why fdt_open refused a blob: a fixed reason and the offset (from the blob's start) or
 * value it concerns. */
struct fdt_error {
  const char *what;
  uint64_t at;
};

/* Checks the header and the whole tree. `avail` is how many bytes may be read from `blob`
 * (a setup_data payload's len): totalsize must fit in it. True when the blob is usable. */
bool fdt_open(struct fdt *f, const void *blob, uint64_t avail, struct fdt_error *err);

/* Big-endian loads from possibly unaligned bytes. */
uint32_t fdt_be32(const void *p);
uint64_t fdt_be64(const void *p);

int32_t fdt_root(const struct fdt *f);
/* The node's name ("" for the root, "memory@0", ...): NUL-terminated, its length in *len.
 * An invalid node gives "" and 0. */
const char *fdt_node_name(const struct fdt *f, int32_t node, size_t *len);
/* The child of `parent` whose name is exactly `name`. */
int32_t fdt_subnode(const struct fdt *f, int32_t parent, const char *name);
/* The node at an absolute path ("/", "/chosen", "/vmm/memslot@0"); components match names
 * exactly. */
int32_t fdt_path(const struct fdt *f, const char *path);

/* Iterates over the direct children of `parent` whose name starts with `prefix` ("" for
 * all). Start with *cursor = 0; each call returns the next such child, or -1 at the end. */
int32_t fdt_next_child(const struct fdt *f, int32_t parent, const char *prefix, uint32_t *cursor);

/* The value of property `name` of `node` and its length; NULL when the node has none. */
const void *fdt_prop(const struct fdt *f, int32_t node, const char *name, uint32_t *len);
/* A string property: its value is exactly one NUL-terminated string filling len. */
const char *fdt_prop_string(const struct fdt *f, int32_t node, const char *name);
/* A property made of 64-bit (two-cell) numbers: value number `index`. False when the
 * property is absent or not a whole number of 8-byte values covering `index`. */
bool fdt_prop_u64(const struct fdt *f, int32_t node, const char *name, unsigned index,
                  uint64_t *out);

/* True when the NUL-terminated `s` starts with the NUL-terminated `prefix`. */
bool fdt_str_has_prefix(const char *s, size_t len, const char *prefix);

#endif
