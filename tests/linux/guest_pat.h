// The guest kernel's own record of how it mapped each blob the GPU driver placed in the
// host-visible window, for the Linux guest tests' programs (gl_blob_roundtrip.c,
// vk_blob_roundtrip.c): the debugfs virtio-gpu-host-visible-mm lines
// "0x<start>-0x<end>: <size>: used" name the ranges, and /sys/kernel/debug/x86/pat_memtype_list
// says the cache mode of each (CACHED: write-back, WC: write-combining, UNCACHED:
// uncached-minus). Printed as PREFIX "PAT: [mem 0x<start>-0x<end>] <cache mode>".
#pragma once

#include <dirent.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void print_blob_pat(const char* prefix) {
  uint64_t starts[64];
  int n = 0;
  DIR* d = opendir("/sys/kernel/debug/dri");
  if (!d) return;
  struct dirent* e;
  while (n == 0 && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char path[512], line[256];
    snprintf(path, sizeof path, "/sys/kernel/debug/dri/%s/virtio-gpu-host-visible-mm", e->d_name);
    FILE* f = fopen(path, "r");
    if (!f) continue;
    while (n < 64 && fgets(line, sizeof line, f)) {
      uint64_t lo, hi;
      if (sscanf(line, "%" SCNx64 "-%" SCNx64, &lo, &hi) == 2 && strstr(line, ": used")) starts[n++] = lo;
    }
    fclose(f);
  }
  closedir(d);
  FILE* f = fopen("/sys/kernel/debug/x86/pat_memtype_list", "r");
  if (!f) return;
  char line[256];
  while (fgets(line, sizeof line, f)) {
    uint64_t lo, hi;
    if (sscanf(line, "PAT: [mem %" SCNx64 "-%" SCNx64 "]", &lo, &hi) != 2) continue;
    for (int i = 0; i < n; i++) {
      if (lo != starts[i]) continue;
      line[strcspn(line, "\n")] = 0;
      printf("%s%s\n", prefix, line);
      break;
    }
  }
  fclose(f);
  fflush(stdout);
}
