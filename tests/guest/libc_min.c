#include "libc_min.h"

/* rep movsb/stosb rather than C loops: gcc would turn a byte loop here back into a call to
 * memset/memcpy (itself). Both are known to work in PVM's emulated ring 0. */
void *memset(void *dst, int c, size_t n) {
  void *d = dst;
  __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
  return dst;
}

void *memcpy(void *dst, const void *src, size_t n) {
  void *d = dst;
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  if (d <= s || d >= s + n) return memcpy(dst, src, n);
  while (n--) d[n] = s[n];
  return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (size_t i = 0; i < n; i++)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

size_t strnlen_checked(const char *s, size_t max, bool *terminated) {
  for (size_t n = 0; n < max; n++) {
    if (s[n] == '\0') {
      *terminated = true;
      return n;
    }
  }
  *terminated = false;
  return max;
}

bool str_equals_n(const char *s, const char *p, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (s[i] != p[i]) return false;
  return s[len] == '\0';
}
