#include "report.h"

#include "format.h"
#include "libc_min.h"

static struct {
  unsigned passed;
  unsigned failed;
  const char *forced;
  size_t forced_len;
  bool forced_matched;
} state;

void report_init(const char *forced_fail, size_t forced_fail_len) {
  state.forced = forced_fail;
  state.forced_len = forced_fail_len;
}

static void verdict(const char *name, bool pass, const char *detail) {
  if (pass)
    state.passed++;
  else
    state.failed++;
  guest_printf("TEST %s %s %s\n", name, pass ? "PASS" : "FAIL", detail);
}

void report_run(const char *name, check_fn fn, const struct guest_ctx *g) {
  struct check_result r = {false, ""};
  fn(g, &r);
  if (state.forced && str_equals_n(name, state.forced, state.forced_len)) {
    char detail[sizeof r.detail + 64];
    state.forced_matched = true;
    format(detail, sizeof detail, "forced by vmmtest.fail (check found: %s %s)",
           r.pass ? "PASS" : "FAIL", r.detail);
    verdict(name, false, detail);
    return;
  }
  verdict(name, r.pass, r.detail);
}

void report_failure(const char *name, const char *detail) { verdict(name, false, detail); }

unsigned report_done(void) {
  /* A misspelt vmmtest.fail must not let a run that was meant to fail pass. */
  if (state.forced && !state.forced_matched) {
    char name[64];
    size_t n = state.forced_len < sizeof name - 1 ? state.forced_len : sizeof name - 1;
    memcpy(name, state.forced, n);
    name[n] = '\0';
    char detail[128];
    format(detail, sizeof detail, "vmmtest.fail names no check: '%s'", name);
    report_failure("vmmtest.fail", detail);
  }
  guest_printf("TINY-GUEST DONE %u passed %u failed\n", state.passed, state.failed);
  return state.failed;
}
