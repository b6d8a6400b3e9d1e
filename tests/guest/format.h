/* A printf subset for the guest: %d %i %u %x %s %c %%, length modifiers l ll z, the flag 0
 * and a field width. Enough for TEST lines; no floating point (no SSE in ring 0). */
#ifndef TINY_GUEST_FORMAT_H
#define TINY_GUEST_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Like vsnprintf: writes at most size-1 characters plus a NUL, returns the full length. */
size_t format_v(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
size_t format(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Formats into a line-sized buffer and writes it to the serial console. */
void guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
