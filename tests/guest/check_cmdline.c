/* The command line must arrive whole and unshifted: the test ends it with
 * vmmtest.end=<K>, K being the offset where that token starts, so truncation (token cut or
 * missing) and shifting (K no longer matches) both show. */
#include "checks.h"
#include "libc_min.h"

void check_cmdline(const struct guest_ctx *g, struct check_result *r) {
  if (g->cmdline_error) {
    check_fail(r, "cmdline at 0x%lx unreadable: %s", g->cmdline_addr, g->cmdline_error);
    return;
  }
  size_t len = g->cmdline_len;
  if (g->cmdline_addr != 0 &&
      ranges_overlap(g->cmdline_addr, len + 1, image_start(), image_size())) {
    check_fail(r, "cmdline at 0x%lx (len=%zu) overlaps the kernel image", g->cmdline_addr, len);
    return;
  }
  if (!g->params.has_end) {
    check_pass(r, "len=%zu (no vmmtest.end token: position and length unchecked)", len);
    return;
  }
  const struct token *end = &g->params.end;
  uint64_t k;
  if (!parse_number(end->value, end->value_len, &k)) {
    check_fail(r, "len=%zu: vmmtest.end value at offset %zu is not a number (truncated?)", len,
               end->start);
    return;
  }
  if (k != end->start) {
    check_fail(r, "len=%zu: vmmtest.end=%lu found at offset %zu (truncated or shifted)", len, k, end->start);
    return;
  }
  if (end->end != len) {
    check_fail(r, "len=%zu: %zu bytes follow vmmtest.end, which must be last", len,
               len - end->end);
    return;
  }
  check_pass(r, "len=%zu end=%lu", len, k);
}
