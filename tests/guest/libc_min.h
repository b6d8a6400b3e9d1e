/* The few libc routines a freestanding build still needs: gcc may emit calls to memset and
 * memcpy on its own (struct copies, zeroing loops), and the checks want strlen-like helpers. */
#ifndef TINY_GUEST_LIBC_MIN_H
#define TINY_GUEST_LIBC_MIN_H

#include <stdbool.h>
#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* Length of s, looking at no more than max bytes; *terminated says whether a NUL was seen. */
size_t strnlen_checked(const char *s, size_t max, bool *terminated);

/* True when the NUL-terminated `s` equals the len bytes at `p`. */
bool str_equals_n(const char *s, const char *p, size_t len);

#endif
