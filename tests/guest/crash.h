/* vmmtest.crash=<kind>: fault on purpose after the checks, so tests can see how a guest
 * crash surfaces.
 *   ud      ud2: #UD through the guest IDT, reported, exit GUEST_STATUS_EXCEPTION (0x7f)
 *   pf      read above the 4 GiB identity map: #PF, reported, exit 0x7f
 *   triple  empty IDT, then ud2: no handler can run, so the CPU shuts down (triple fault)
 *           and vmm must report the VM failed */
#ifndef TINY_GUEST_CRASH_H
#define TINY_GUEST_CRASH_H

#include <stddef.h>

/* Returns only when kind names no crash (the caller reports that). */
void crash(const char *kind, size_t len);

#endif
