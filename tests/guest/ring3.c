#include "ring3.h"

#include <stdbool.h>
#include <stddef.h>

#include "boot_params.h"
#include "checks.h"
#include "entry_state.h"
#include "libc_min.h"

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITABLE (1ull << 1)
#define PTE_USER (1ull << 2)
#define PTE_PS (1ull << 7)
#define PTE_TABLE_MASK 0x000ffffffffff000ull
#define LARGE_PAGE (2ull << 20)
#define TABLE_ENTRIES 512

#define GDT_ENTRIES 8   /* 4 boot entries, user data, user code, TSS (two slots) */
#define BOOT_GDT_BYTES 32
#define IDT_GATES 256
#define STACK_BYTES 8192

/* Descriptors (Intel SDM vol. 3, 3.4.5 and 7.2.3): flat 4 GiB, present, DPL 3. */
#define DESC_USER_DATA 0x00cff3000000ffffull /* read/write data */
#define DESC_USER_CODE 0x00affb000000ffffull /* execute/read code, L = 1 (64-bit) */
#define TSS_TYPE_AVAILABLE_64 0x89           /* present, DPL 0, type 9 */
#define GATE_INTERRUPT_64 0x8e               /* present, DPL 0, 64-bit interrupt gate */
#define UD_VECTOR 6

struct tss64 {
  uint32_t reserved0;
  uint64_t rsp[3];
  uint64_t reserved1;
  uint64_t ist[7];
  uint64_t reserved2;
  uint16_t reserved3;
  uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS layout");

struct desc_ptr {
  uint16_t limit;
  uint64_t base;
} __attribute__((packed));

extern char ring3_ud[];
extern uint64_t ring3_ud_chain; /* ring3_entry.S: where a #UD that is not ours goes */
uint64_t ring3_enter(uint64_t rip, uint64_t rsp, uint64_t arg);

static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
static uint64_t idt[IDT_GATES * 2] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static uint8_t kernel_stack[STACK_BYTES] __attribute__((aligned(16)));
static uint8_t user_stack[STACK_BYTES] __attribute__((aligned(16)));
static uint64_t window_pdpt[TABLE_ENTRIES] __attribute__((aligned(4096)));
static uint64_t window_pd[TABLE_ENTRIES] __attribute__((aligned(4096)));

/* What ring3_begin changed, for ring3_end. */
#define MAX_USER_ENTRIES 8
static struct {
  bool active;
  struct desc_ptr gdtr, idtr;
  uint64_t *user_set[MAX_USER_ENTRIES]; /* entries that got U/S=1 from us */
  unsigned user_set_count;
  uint64_t *window_entry; /* the PML4 slot of the window */
} state;

static uint64_t *table_of(uint64_t entry) {
  return (uint64_t *)(uintptr_t)(entry & PTE_TABLE_MASK);
}

static uint64_t read_cr3(void) {
  uint64_t cr3;
  __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
  return cr3;
}

static void flush_tlb(void) {
  __asm__ volatile("mov %0, %%cr3" : : "r"(read_cr3()) : "memory");
}

/* A table entry must be present and (for tables) reachable through the identity map. */
static const char *walk(uint64_t *entry, bool leaf, const char *what) {
  if (!(*entry & PTE_PRESENT)) return what;
  if (!leaf && (*entry & PTE_PS)) return "a 1 GiB page maps the guest image";
  if (leaf && !(*entry & PTE_PS)) return "the guest image is not mapped by 2 MiB pages";
  if (!leaf && !phys_readable(*entry & PTE_TABLE_MASK, 4096)) return "a page table lies above 4 GiB";
  return NULL;
}

static void set_user(uint64_t *entry) {
  if (*entry & PTE_USER) return;
  for (unsigned i = 0; i < state.user_set_count; i++)
    if (state.user_set[i] == entry) return;
  *entry |= PTE_USER;
  state.user_set[state.user_set_count++] = entry;
}

/* Finds the entries that map the image and checks they can take U/S=1; only then sets it. */
static const char *open_image_to_user(uint64_t *pml4) {
  const uint64_t first = image_start() & ~(LARGE_PAGE - 1);
  const uint64_t end = image_start() + image_size();
  uint64_t *entries[MAX_USER_ENTRIES];
  unsigned n = 0;
  for (uint64_t a = first; a < end; a += LARGE_PAGE) {
    uint64_t *e4 = &pml4[(a >> 39) & 511];
    const char *why = walk(e4, false, "the guest image is not mapped (PML4)");
    if (why) return why;
    uint64_t *e3 = &table_of(*e4)[(a >> 30) & 511];
    if ((why = walk(e3, false, "the guest image is not mapped (PDPT)"))) return why;
    uint64_t *e2 = &table_of(*e3)[(a >> 21) & 511];
    if ((why = walk(e2, true, "the guest image is not mapped (PD)"))) return why;
    if (n + 3 > MAX_USER_ENTRIES) return "the guest image spans too many 2 MiB pages";
    entries[n++] = e4;
    entries[n++] = e3;
    entries[n++] = e2;
  }
  for (unsigned i = 0; i < n; i++) set_user(entries[i]);
  return NULL;
}

static uint64_t tss_descriptor_low(uint64_t base, uint32_t limit) {
  return (limit & 0xffffull) | (base & 0xffffffull) << 16 | (uint64_t)TSS_TYPE_AVAILABLE_64 << 40 |
         (uint64_t)((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xffull) << 56;
}

static uint64_t gate_handler(unsigned vector) {
  return (idt[vector * 2] & 0xffffull) | ((idt[vector * 2] >> 48) & 0xffffull) << 16 |
         idt[vector * 2 + 1] << 32;
}

static void set_gate(unsigned vector, uint64_t handler, uint8_t type_attr) {
  idt[vector * 2] = (handler & 0xffffull) | (uint64_t)BOOT_CS << 16 | (uint64_t)type_attr << 40 |
                    ((handler >> 16) & 0xffffull) << 48;
  idt[vector * 2 + 1] = handler >> 32;
}

const char *ring3_begin(void) {
  if (state.active) return "ring 3 is set up already";
  struct desc_ptr gdtr, idtr;
  __asm__ volatile("sgdt %0" : "=m"(gdtr));
  __asm__ volatile("sidt %0" : "=m"(idtr));
  if (gdtr.limit + 1u < BOOT_GDT_BYTES) return "the boot GDT has fewer than 4 entries";
  if (idtr.limit + 1u < 32 * 16) return "no IDT with the exception vectors is installed";

  uint64_t *pml4 = table_of(read_cr3());
  uint64_t *window_entry = &pml4[(RING3_WINDOW_BASE >> 39) & 511];
  if (*window_entry & PTE_PRESENT) return "PML4 slot of the ring-3 window is in use";
  state.user_set_count = 0;
  const char *why = open_image_to_user(pml4);
  if (why) return why;

  memset(window_pd, 0, sizeof window_pd);
  memset(window_pdpt, 0, sizeof window_pdpt);
  window_pdpt[(RING3_WINDOW_BASE >> 30) & 511] =
      (uint64_t)(uintptr_t)window_pd | PTE_PRESENT | PTE_WRITABLE | PTE_USER;
  *window_entry = (uint64_t)(uintptr_t)window_pdpt | PTE_PRESENT | PTE_WRITABLE | PTE_USER;
  state.window_entry = window_entry;
  flush_tlb();

  memset(&tss, 0, sizeof tss);
  tss.rsp[0] = (uint64_t)(uintptr_t)(kernel_stack + sizeof kernel_stack);
  tss.iomap_base = sizeof tss; /* no I/O permission bitmap */

  memset(gdt, 0, sizeof gdt);
  memcpy(gdt, (const void *)(uintptr_t)gdtr.base, BOOT_GDT_BYTES);
  gdt[RING3_USER_DS >> 3] = DESC_USER_DATA;
  gdt[RING3_USER_CS >> 3] = DESC_USER_CODE;
  gdt[RING3_TSS_SEL >> 3] = tss_descriptor_low((uint64_t)(uintptr_t)&tss, sizeof tss - 1);
  gdt[(RING3_TSS_SEL >> 3) + 1] = (uint64_t)(uintptr_t)&tss >> 32;

  memset(idt, 0, sizeof idt);
  size_t idt_bytes = idtr.limit + 1u < sizeof idt ? idtr.limit + 1u : sizeof idt;
  memcpy(idt, (const void *)(uintptr_t)idtr.base, idt_bytes);
  ring3_ud_chain = gate_handler(UD_VECTOR);
  set_gate(UD_VECTOR, (uint64_t)(uintptr_t)ring3_ud, GATE_INTERRUPT_64);

  state.gdtr = gdtr;
  state.idtr = idtr;
  struct desc_ptr new_gdtr = {sizeof gdt - 1, (uint64_t)(uintptr_t)gdt};
  struct desc_ptr new_idtr = {sizeof idt - 1, (uint64_t)(uintptr_t)idt};
  /* The TSS descriptor was just written as "available", so ltr works on a second run too. */
  __asm__ volatile("lgdt %0; lidt %1; ltr %w2"
                   :
                   : "m"(new_gdtr), "m"(new_idtr), "r"((uint16_t)RING3_TSS_SEL)
                   : "memory");
  state.active = true;
  return NULL;
}

uint64_t ring3_map_2m(unsigned index, uint64_t phys, unsigned pat_index) {
  if (!state.active || index >= RING3_WINDOW_PAGES || (phys & (LARGE_PAGE - 1)) != 0 ||
      (phys & ~PTE_TABLE_MASK) != 0)
    return 0;
  window_pd[index] =
      phys | PTE_PRESENT | PTE_WRITABLE | PTE_USER | PTE_PS | ring3_pat_bits(pat_index & 7);
  flush_tlb();
  return RING3_WINDOW_BASE + (uint64_t)index * LARGE_PAGE;
}

uint64_t ring3_call(uint64_t rip, uint64_t arg) {
  return ring3_enter(rip, (uint64_t)(uintptr_t)(user_stack + sizeof user_stack), arg);
}

void ring3_end(void) {
  if (!state.active) return;
  for (unsigned i = 0; i < state.user_set_count; i++) *state.user_set[i] &= ~PTE_USER;
  state.user_set_count = 0;
  *state.window_entry = 0;
  memset(window_pd, 0, sizeof window_pd);
  flush_tlb();
  __asm__ volatile("lgdt %0; lidt %1" : : "m"(state.gdtr), "m"(state.idtr) : "memory");
  state.active = false;
}
