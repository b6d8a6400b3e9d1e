#include "crash.h"

#include <stdint.h>

#include "boot_params.h"
#include "format.h"
#include "io.h"
#include "libc_min.h"

void crash(const char *kind, size_t len) {
  if (str_equals_n("ud", kind, len)) {
    guest_printf("TINY-GUEST CRASH ud2\n");
    __asm__ volatile("ud2");
  } else if (str_equals_n("pf", kind, len)) {
    guest_printf("TINY-GUEST CRASH read at 0x%llx\n", 2 * IDENTITY_MAP_END);
    (void)*(volatile const uint64_t *)phys_ptr(2 * IDENTITY_MAP_END);
  } else if (str_equals_n("triple", kind, len)) {
    static const struct {
      uint16_t limit;
      uint64_t base;
    } __attribute__((packed)) empty_idt = {0, 0};
    guest_printf("TINY-GUEST CRASH triple fault\n");
    __asm__ volatile("lidt %0; ud2" : : "m"(empty_idt));
  } else if (str_equals_n("reset", kind, len)) {
    /* Pulse the reset line through the i8042 command port, as Linux's reboot=k does: vmm
     * must end the VM with exit status 0. */
    guest_printf("TINY-GUEST CRASH i8042 reset\n");
    outb(0x64, 0xfe);
    for (;;) __asm__ volatile("cli; hlt");
  }
}
