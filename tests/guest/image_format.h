/* The contract between the tiny guest's link and mkbzimage, which wraps the flat binary in a
 * Linux setup header. Plain C (and assembler-safe) so the guest, its linker script's users
 * and the C++ packer read the same numbers. */
#ifndef TINY_GUEST_IMAGE_FORMAT_H
#define TINY_GUEST_IMAGE_FORMAT_H

/* Where the Linux boot protocol puts a non-relocatable protected-mode kernel. */
#define TINY_IMAGE_LOAD_ADDR 0x100000
/* The 64-bit boot protocol enters at load address + 0x200. */
#define TINY_IMAGE_ENTRY_OFFSET 0x200
/* Longest command line the guest advertises (setup_header.cmdline_size), NUL excluded. */
#define TINY_IMAGE_CMDLINE_SIZE 2047
/* Magic at offset 0 of the flat binary, so the packer refuses to wrap anything else. */
#define TINY_IMAGE_MAGIC "VMMTINY1"
#define TINY_IMAGE_MAGIC_LEN 8

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Sits at offset 0 of the flat binary (section .head, see entry.S); all addresses are
 * guest-physical, filled in by the linker. */
struct tiny_image_head {
  char magic[TINY_IMAGE_MAGIC_LEN];
  uint64_t load_addr;  /* first byte of the image */
  uint64_t load_end;   /* end of the file-backed part: the flat binary's size is load_end - load_addr */
  uint64_t image_end;  /* end including .bss and the stack: what init_size must cover */
  uint64_t entry;      /* the 64-bit entry point */
};
#endif

#endif
