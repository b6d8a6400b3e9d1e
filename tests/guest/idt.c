#include "idt.h"

#include <stdbool.h>

#include "entry_state.h"
#include "format.h"
#include "io.h"

#define EXCEPTION_VECTORS 32
#define IDT_VECTORS 256
#define GATE_INTERRUPT_64 0x8e /* present, DPL 0, 64-bit interrupt gate (IF cleared) */

struct idt_gate {
  uint16_t offset_low;
  uint16_t selector;
  uint8_t ist;
  uint8_t type_attr;
  uint16_t offset_mid;
  uint32_t offset_high;
  uint32_t reserved;
} __attribute__((packed));

struct idt_pointer {
  uint16_t limit;
  uint64_t base;
} __attribute__((packed));

extern const uint64_t exception_stubs[EXCEPTION_VECTORS];

/* .bss: gates 32..255 start not present. */
static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));

static struct idt_gate interrupt_gate(uint64_t handler) {
  return (struct idt_gate){
      .offset_low = (uint16_t)handler,
      .selector = BOOT_CS, /* entry.S loaded our GDT with this selector */
      .ist = 0,
      .type_attr = GATE_INTERRUPT_64,
      .offset_mid = (uint16_t)(handler >> 16),
      .offset_high = (uint32_t)(handler >> 32),
      .reserved = 0,
  };
}

void idt_set_interrupt_gate(uint8_t vector, uint64_t handler) {
  if (vector < EXCEPTION_VECTORS) return; /* those belong to exception_report */
  idt[vector] = interrupt_gate(handler);
}

void idt_install(void) {
  for (int v = 0; v < EXCEPTION_VECTORS; v++) idt[v] = interrupt_gate(exception_stubs[v]);
  struct idt_pointer p = {sizeof idt - 1, (uint64_t)idt};
  __asm__ volatile("lidt %0" : : "m"(p));
}

static const char *exception_name(uint64_t v) {
  static const char *const names[EXCEPTION_VECTORS] = {
      "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS",
      "#NP", "#SS", "#GP", "#PF", "res", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
      "res", "res", "res", "res", "res", "res", "#HV", "#VC", "#SX", "res"};
  return v < EXCEPTION_VECTORS ? names[v] : "?";
}

void exception_report(uint64_t vector, uint64_t error, uint64_t rip) {
  /* A fault while reporting (say, in the serial code) must not recurse forever. */
  static bool reporting;
  if (reporting) guest_exit(GUEST_STATUS_NESTED_EXCEPTION);
  reporting = true;

  uint64_t cr2;
  __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
  guest_printf("TINY-GUEST EXCEPTION vector=%lu (%s) error=0x%lx rip=0x%lx cr2=0x%lx\n", vector,
               exception_name(vector), error, rip, cr2);
  guest_exit(GUEST_STATUS_EXCEPTION);
}
