#include "format.h"

#include <stdbool.h>
#include <stdint.h>

#include "serial.h"

struct sink {
  char *buf;
  size_t size;
  size_t len;
};

static void put(struct sink *s, char c) {
  if (s->len + 1 < s->size) s->buf[s->len] = c;
  s->len++;
}

static void put_number(struct sink *s, uint64_t v, unsigned base, bool negative, unsigned width,
                       bool zero_pad) {
  char digits[24];
  unsigned n = 0;
  do {
    unsigned d = (unsigned)(v % base);
    digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
    v /= base;
  } while (v != 0);
  unsigned len = n + (negative ? 1 : 0);
  if (negative && zero_pad) put(s, '-');
  for (; width > len; width--) put(s, zero_pad ? '0' : ' ');
  if (negative && !zero_pad) put(s, '-');
  while (n > 0) put(s, digits[--n]);
}

size_t format_v(char *buf, size_t size, const char *fmt, va_list ap) {
  struct sink s = {buf, size, 0};
  for (const char *p = fmt; *p; p++) {
    if (*p != '%') {
      put(&s, *p);
      continue;
    }
    p++;
    bool zero_pad = false;
    unsigned width = 0;
    int longs = 0;
    if (*p == '0') {
      zero_pad = true;
      p++;
    }
    while (*p >= '0' && *p <= '9') width = width * 10 + (unsigned)(*p++ - '0');
    while (*p == 'l' || *p == 'z') {
      longs++;
      p++;
    }
    switch (*p) {
      case 'd':
      case 'i': {
        int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
        uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        put_number(&s, mag, 10, v < 0, width, zero_pad);
        break;
      }
      case 'u':
      case 'x': {
        uint64_t v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
        put_number(&s, v, *p == 'u' ? 10 : 16, false, width, zero_pad);
        break;
      }
      case 's': {
        const char *str = va_arg(ap, const char *);
        for (str = str ? str : "(null)"; *str; str++) put(&s, *str);
        break;
      }
      case 'c':
        put(&s, (char)va_arg(ap, int));
        break;
      case '%':
        put(&s, '%');
        break;
      case '\0':
        p--; /* a lone '%' at the end: stop at the NUL */
        break;
      default:
        put(&s, '%');
        put(&s, *p);
        break;
    }
  }
  if (size > 0) buf[s.len < size ? s.len : size - 1] = '\0';
  return s.len;
}

size_t format(char *buf, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t n = format_v(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

void guest_printf(const char *fmt, ...) {
  char line[256];
  va_list ap;
  va_start(ap, fmt);
  format_v(line, sizeof line, fmt, ap);
  va_end(ap);
  serial_puts(line);
}
