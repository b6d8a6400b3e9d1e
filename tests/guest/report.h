/* Runs checks and prints their verdicts on the serial console, one line each:
 *   TEST <name> PASS <detail>
 *   TEST <name> FAIL <detail>
 * and at the end
 *   TINY-GUEST DONE <n_pass> passed <n_fail> failed
 * vmmtest.fail=<name> turns <name>'s verdict into FAIL ("forced by vmmtest.fail"), keeping
 * what the check really found in the detail. */
#ifndef TINY_GUEST_REPORT_H
#define TINY_GUEST_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "checks.h"

void report_init(const char *forced_fail, size_t forced_fail_len);
void report_run(const char *name, check_fn fn, const struct guest_ctx *g);
/* Counts and prints a failure that belongs to no check (a bad test parameter). */
void report_failure(const char *name, const char *detail);
/* Prints the DONE line; returns the number of failed checks. */
unsigned report_done(void);

#endif
