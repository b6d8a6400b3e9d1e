#include "fdt.h"

/* Header fields (all big-endian 32-bit), by byte offset. */
#define HDR_MAGIC 0
#define HDR_TOTALSIZE 4
#define HDR_OFF_DT_STRUCT 8
#define HDR_OFF_DT_STRINGS 12
#define HDR_OFF_MEM_RSVMAP 16
#define HDR_VERSION 20
#define HDR_LAST_COMP_VERSION 24
#define HDR_SIZE_DT_STRINGS 32
#define HDR_SIZE_DT_STRUCT 36
#define HDR_SIZE_V16 36 /* size_dt_struct came with version 17 */
#define HDR_SIZE_V17 40

/* The newest layout this reader understands; a blob saying it cannot be read by a v17
 * reader (last_comp_version > 17) is refused. */
#define FDT_READER_VERSION 17

uint32_t fdt_be32(const void *p) {
  const uint8_t *b = p;
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

uint64_t fdt_be64(const void *p) {
  const uint8_t *b = p;
  return (uint64_t)fdt_be32(b) << 32 | fdt_be32(b + 4);
}

static uint32_t align4(uint32_t v) { return (v + 3u) & ~3u; }

/* One token of the structure block, as read at `off`. */
struct token {
  uint32_t type;
  uint32_t next;      /* offset of the following token */
  const char *name;   /* BEGIN_NODE: the node's name; PROP: the property's name */
  size_t name_len;
  const uint8_t *value; /* PROP only */
  uint32_t len;
};

/* Length of the NUL-terminated string at [from, end) of the blob; false when no NUL. */
static bool bounded_strlen(const struct fdt *f, uint32_t from, uint32_t end, size_t *len) {
  for (uint32_t i = from; i < end; i++) {
    if (f->blob[i] == '\0') {
      *len = i - from;
      return true;
    }
  }
  return false;
}

/* Reads the token at `off`. False (with err->what) when it is misplaced, unknown or does
 * not fit the structure block; never reads outside the blob. */
static bool read_token(const struct fdt *f, uint32_t off, struct token *t, struct fdt_error *err) {
  err->at = off;
  if ((off & 3u) != 0 || off < f->struct_off || off > f->struct_end ||
      f->struct_end - off < 4) {
    err->what = "token outside the structure block";
    return false;
  }
  *t = (struct token){.type = fdt_be32(f->blob + off), .next = off + 4};
  switch (t->type) {
    case FDT_BEGIN_NODE: {
      if (!bounded_strlen(f, off + 4, f->struct_end, &t->name_len)) {
        err->what = "node name runs off the structure block";
        return false;
      }
      t->name = (const char *)f->blob + off + 4;
      /* name_len + 1 < struct_end - off, so this cannot wrap; the end may be unaligned up
       * to the block's end, which the next read_token catches. */
      t->next = align4(off + 4 + (uint32_t)t->name_len + 1);
      return true;
    }
    case FDT_PROP: {
      if (f->struct_end - off < 12) {
        err->what = "property header runs off the structure block";
        return false;
      }
      t->len = fdt_be32(f->blob + off + 4);
      uint32_t nameoff = fdt_be32(f->blob + off + 8);
      if (t->len > f->struct_end - (off + 12)) {
        err->what = "property value runs off the structure block";
        return false;
      }
      if (nameoff >= f->strings_end - f->strings_off ||
          !bounded_strlen(f, f->strings_off + nameoff, f->strings_end, &t->name_len)) {
        err->what = "property name offset outside the strings block";
        return false;
      }
      t->name = (const char *)f->blob + f->strings_off + nameoff;
      t->value = f->blob + off + 12;
      t->next = align4(off + 12 + t->len);
      return true;
    }
    case FDT_END_NODE:
    case FDT_NOP:
    case FDT_END:
      return true;
    default:
      err->what = "unknown token";
      return false;
  }
}

static bool fail(struct fdt_error *err, const char *what, uint64_t at) {
  err->what = what;
  err->at = at;
  return false;
}

/* The structure block: NOPs, the root node (BEGIN_NODE with an empty name, properties
 * before subnodes at every level, balanced END_NODEs), NOPs, FDT_END. */
static bool walk_structure(struct fdt *f, struct fdt_error *err) {
  uint32_t off = f->struct_off;
  unsigned depth = 0;
  bool seen_root = false, subnode_seen[FDT_MAX_DEPTH + 1] = {false};
  /* Every token is at least 4 bytes: this many steps is enough for any valid block. */
  const uint32_t max_steps = (f->struct_end - f->struct_off) / 4 + 1;
  for (uint32_t step = 0; step < max_steps; step++) {
    struct token t;
    if (!read_token(f, off, &t, err)) return false;
    switch (t.type) {
      case FDT_BEGIN_NODE:
        if (depth == 0 && seen_root) return fail(err, "a second root node", off);
        if (depth == 0 && t.name_len != 0) return fail(err, "the root node has a name", off);
        if (depth > 0 && t.name_len == 0) return fail(err, "a node without a name", off);
        if (depth == FDT_MAX_DEPTH) return fail(err, "nodes nested too deep", off);
        if (depth > 0) subnode_seen[depth] = true;
        seen_root = true;
        depth++;
        subnode_seen[depth] = false;
        f->nodes++;
        break;
      case FDT_END_NODE:
        if (depth == 0) return fail(err, "END_NODE outside any node", off);
        depth--;
        break;
      case FDT_PROP:
        if (depth == 0) return fail(err, "a property outside any node", off);
        if (subnode_seen[depth]) return fail(err, "a property after a subnode", off);
        f->props++;
        break;
      case FDT_NOP:
        break;
      case FDT_END:
        if (!seen_root || depth != 0) return fail(err, "END inside an open node", off);
        if (t.next != f->struct_end && f->version >= 17)
          return fail(err, "END before the end of size_dt_struct", off);
        return true;
    }
    off = t.next;
  }
  return fail(err, "no END token", off);
}

bool fdt_open(struct fdt *f, const void *blob, uint64_t avail, struct fdt_error *err) {
  *f = (struct fdt){.blob = blob};
  *err = (struct fdt_error){0};
  const uint8_t *b = blob;
  if (avail < HDR_SIZE_V16) return fail(err, "fewer bytes than an FDT header", avail);
  if (fdt_be32(b + HDR_MAGIC) != FDT_MAGIC) return fail(err, "bad magic", fdt_be32(b + HDR_MAGIC));
  f->totalsize = fdt_be32(b + HDR_TOTALSIZE);
  f->version = fdt_be32(b + HDR_VERSION);
  f->last_comp_version = fdt_be32(b + HDR_LAST_COMP_VERSION);
  if (f->totalsize > avail) return fail(err, "totalsize exceeds the bytes available", f->totalsize);
  if (f->version < 16) return fail(err, "version below 16", f->version);
  if (f->last_comp_version > FDT_READER_VERSION)
    return fail(err, "last_comp_version above 17", f->last_comp_version);
  if (f->last_comp_version > f->version)
    return fail(err, "last_comp_version above version", f->last_comp_version);
  const uint32_t header_size = f->version >= 17 ? HDR_SIZE_V17 : HDR_SIZE_V16;
  if (f->totalsize < header_size) return fail(err, "totalsize smaller than the header", f->totalsize);

  uint32_t off_struct = fdt_be32(b + HDR_OFF_DT_STRUCT);
  uint32_t off_strings = fdt_be32(b + HDR_OFF_DT_STRINGS);
  uint32_t off_rsvmap = fdt_be32(b + HDR_OFF_MEM_RSVMAP);
  uint32_t size_strings = fdt_be32(b + HDR_SIZE_DT_STRINGS);
  if (off_struct < header_size || off_struct >= f->totalsize || (off_struct & 3u) != 0)
    return fail(err, "off_dt_struct outside the blob or misaligned", off_struct);
  /* Before version 17 the header does not say where the structure block ends: up to the
   * strings block when that follows it (as dtc and libfdt lay blobs out), else totalsize. */
  uint32_t size_struct = f->version >= 17 ? fdt_be32(b + HDR_SIZE_DT_STRUCT)
                         : off_strings > off_struct && off_strings <= f->totalsize
                             ? off_strings - off_struct
                             : f->totalsize - off_struct;
  if (size_struct > f->totalsize - off_struct)
    return fail(err, "size_dt_struct runs past totalsize", size_struct);
  if (off_strings < header_size || off_strings > f->totalsize ||
      size_strings > f->totalsize - off_strings)
    return fail(err, "strings block runs past totalsize", off_strings);
  f->struct_off = off_struct;
  f->struct_end = off_struct + size_struct;
  f->strings_off = off_strings;
  f->strings_end = off_strings + size_strings;
  if (f->struct_off < f->strings_end && f->strings_off < f->struct_end && size_strings != 0)
    return fail(err, "structure and strings blocks overlap", off_strings);

  /* The memory reservation map: 16-byte {address, size} pairs ended by a zero pair, all
   * before the structure block. */
  if (off_rsvmap < header_size || (off_rsvmap & 7u) != 0 || off_rsvmap > f->totalsize)
    return fail(err, "off_mem_rsvmap outside the blob or misaligned", off_rsvmap);
  for (uint32_t at = off_rsvmap;; at += 16) {
    if (f->totalsize - at < 16) return fail(err, "reservation map has no terminator", at);
    if (fdt_be64(b + at) == 0 && fdt_be64(b + at + 8) == 0) break;
    f->rsvmap_entries++;
  }
  return walk_structure(f, err);
}

/* Lookups. They run on a blob fdt_open accepted, but still check every step. */

int32_t fdt_root(const struct fdt *f) {
  struct fdt_error err;
  uint32_t off = f->struct_off;
  for (uint32_t step = 0; step < (f->struct_end - f->struct_off) / 4 + 1; step++) {
    struct token t;
    if (!read_token(f, off, &t, &err)) return -1;
    if (t.type == FDT_BEGIN_NODE) return (int32_t)off;
    if (t.type != FDT_NOP) return -1;
    off = t.next;
  }
  return -1;
}

const char *fdt_node_name(const struct fdt *f, int32_t node, size_t *len) {
  struct fdt_error err;
  struct token t;
  if (node < 0 || !read_token(f, (uint32_t)node, &t, &err) || t.type != FDT_BEGIN_NODE) {
    *len = 0;
    return "";
  }
  *len = t.name_len;
  return t.name;
}

/* Offset just past the END_NODE that closes the node at `node`; 0 when the block is bad. */
static uint32_t skip_node(const struct fdt *f, uint32_t node) {
  struct fdt_error err;
  uint32_t off = node;
  unsigned depth = 0;
  const uint32_t max_steps = (f->struct_end - f->struct_off) / 4 + 1;
  for (uint32_t step = 0; step < max_steps; step++) {
    struct token t;
    if (!read_token(f, off, &t, &err)) return 0;
    if (t.type == FDT_BEGIN_NODE) {
      depth++;
    } else if (t.type == FDT_END_NODE) {
      if (depth == 0) return 0;
      if (--depth == 0) return t.next;
    } else if (t.type == FDT_END) {
      return 0;
    }
    off = t.next;
  }
  return 0;
}

static bool names_equal(const char *a, size_t alen, const char *b) {
  for (size_t i = 0; i < alen; i++)
    if (b[i] != a[i]) return false; /* also stops at b's NUL, which a has none of */
  return b[alen] == '\0';
}

bool fdt_str_has_prefix(const char *s, size_t len, const char *prefix) {
  for (size_t i = 0; prefix[i] != '\0'; i++)
    if (i >= len || s[i] != prefix[i]) return false;
  return true;
}

int32_t fdt_next_child(const struct fdt *f, int32_t parent, const char *prefix, uint32_t *cursor) {
  struct fdt_error err;
  struct token t;
  if (parent < 0) return -1;
  uint32_t off = *cursor;
  if (off == 0) {
    if (!read_token(f, (uint32_t)parent, &t, &err) || t.type != FDT_BEGIN_NODE) return -1;
    off = t.next;
  }
  const uint32_t max_steps = (f->struct_end - f->struct_off) / 4 + 1;
  for (uint32_t step = 0; step < max_steps; step++) {
    if (!read_token(f, off, &t, &err)) return -1;
    if (t.type == FDT_END_NODE || t.type == FDT_END) {
      *cursor = off; /* stays at the end */
      return -1;
    }
    if (t.type != FDT_BEGIN_NODE) {
      off = t.next;
      continue;
    }
    uint32_t after = skip_node(f, off);
    if (after == 0) return -1;
    if (fdt_str_has_prefix(t.name, t.name_len, prefix)) {
      *cursor = after;
      return (int32_t)off;
    }
    off = after;
  }
  return -1;
}

int32_t fdt_subnode(const struct fdt *f, int32_t parent, const char *name) {
  uint32_t cursor = 0;
  for (int32_t child; (child = fdt_next_child(f, parent, name, &cursor)) >= 0;) {
    size_t len;
    const char *n = fdt_node_name(f, child, &len);
    if (names_equal(n, len, name)) return child;
  }
  return -1;
}

int32_t fdt_path(const struct fdt *f, const char *path) {
  if (path[0] != '/') return -1;
  int32_t node = fdt_root(f);
  const char *p = path + 1;
  char component[64];
  while (node >= 0 && *p != '\0') {
    size_t n = 0;
    while (p[n] != '\0' && p[n] != '/') n++;
    if (n == 0 || n >= sizeof component) return -1;
    for (size_t i = 0; i < n; i++) component[i] = p[i];
    component[n] = '\0';
    node = fdt_subnode(f, node, component);
    p += n;
    if (*p == '/') p++;
  }
  return node;
}

const void *fdt_prop(const struct fdt *f, int32_t node, const char *name, uint32_t *len) {
  struct fdt_error err;
  struct token t;
  if (node < 0 || !read_token(f, (uint32_t)node, &t, &err) || t.type != FDT_BEGIN_NODE)
    return NULL;
  uint32_t off = t.next;
  const uint32_t max_steps = (f->struct_end - f->struct_off) / 4 + 1;
  for (uint32_t step = 0; step < max_steps; step++) {
    if (!read_token(f, off, &t, &err)) return NULL;
    if (t.type == FDT_PROP && names_equal(t.name, t.name_len, name)) {
      *len = t.len;
      return t.value;
    }
    /* Properties come before subnodes: the first subnode or the node's end stops it. */
    if (t.type != FDT_PROP && t.type != FDT_NOP) return NULL;
    off = t.next;
  }
  return NULL;
}

const char *fdt_prop_string(const struct fdt *f, int32_t node, const char *name) {
  uint32_t len;
  const char *s = fdt_prop(f, node, name, &len);
  if (s == NULL || len == 0 || s[len - 1] != '\0') return NULL;
  for (uint32_t i = 0; i + 1 < len; i++)
    if (s[i] == '\0') return NULL;
  return s;
}

bool fdt_prop_u64(const struct fdt *f, int32_t node, const char *name, unsigned index,
                  uint64_t *out) {
  uint32_t len;
  const uint8_t *v = fdt_prop(f, node, name, &len);
  if (v == NULL || len % 8 != 0 || index >= len / 8) return false;
  *out = fdt_be64(v + 8u * index);
  return true;
}
