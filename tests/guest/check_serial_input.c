/* serial.input: the 8250's receive path. vmm forwards its stdin to COM1; the guest polls LSR
 * data-ready and reads RBR until a newline, then compares with vmmtest.serial_in. Every wait
 * is bounded, so missing input is a FAIL, not a hang. */
#include <stdbool.h>
#include <stdint.h>

#include "checks.h"
#include "io.h"

#define COM1_RBR 0x3f8
#define COM1_LSR 0x3fd
#define LSR_DATA_READY 0x01
/* Each poll is a port exit (~15 us); 200000 polls is about 3 s per character. */
#define MAX_POLLS_PER_CHAR 200000u
#define MAX_LINE 128

static bool read_char(uint8_t *c) {
  for (unsigned i = 0; i < MAX_POLLS_PER_CHAR; i++)
    if (inb(COM1_LSR) & LSR_DATA_READY) {
      *c = inb(COM1_RBR);
      return true;
    }
  return false;
}

void check_serial_input(const struct guest_ctx *g, struct check_result *r) {
  char line[MAX_LINE];
  size_t n = 0;
  uint8_t c = 0;
  while (n < MAX_LINE) {
    if (!read_char(&c)) {
      check_fail(r, "timeout after %u bytes waiting for input on COM1", (unsigned)n);
      return;
    }
    if (c == '\n') break;
    line[n++] = (char)c;
  }
  if (n == MAX_LINE) {
    check_fail(r, "no newline within %u bytes", MAX_LINE);
    return;
  }
  const size_t want = g->params.serial_in_len;
  bool same = n == want;
  for (size_t i = 0; same && i < n; i++) same = line[i] == g->params.serial_in[i];
  if (same)
    check_pass(r, "read %u bytes + newline from COM1 as expected", (unsigned)n);
  else
    check_fail(r, "read %u bytes from COM1, not the %u expected", (unsigned)n, (unsigned)want);
}
