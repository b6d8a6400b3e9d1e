/* The bare KVM steps shared by the floor programs (floor_vm.h). */
#define _GNU_SOURCE
#include "floor_vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

const char *floor_prog = "floor";

void floor_die(const char *what)
{
    fprintf(stderr, "%s: %s: %s\n", floor_prog, what, strerror(errno));
    exit(1);
}

void floor_fail(const char *what, const char *detail)
{
    fprintf(stderr, "%s: %s: %s\n", floor_prog, what, detail);
    exit(1);
}

void floor_usage_error(const char *what)
{
    fprintf(stderr, "%s: %s (try --help)\n", floor_prog, what);
    exit(2);
}

void floor_start(const char *prog, const char *usage, int argc, char **argv)
{
    floor_prog = prog;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            exit(0);
        }
    }
}

const char *floor_arg(int argc, char **argv, int *i)
{
    char msg[96];
    if (*i + 1 >= argc) {
        snprintf(msg, sizeof msg, "%.40s needs a value", argv[*i]);
        floor_usage_error(msg);
    }
    return argv[++*i];
}

uint64_t floor_parse_u64(const char *opt, const char *text, uint64_t min, uint64_t max)
{
    char msg[160];
    char *end;
    errno = 0;
    /* strtoull accepts "-1" and leading blanks; a count must be plain digits. */
    unsigned long long n = (text[0] >= '0' && text[0] <= '9') ? strtoull(text, &end, 10) : 0;
    if (!(text[0] >= '0' && text[0] <= '9') || *end != '\0' || errno == ERANGE || n < min ||
        n > max) {
        snprintf(msg, sizeof msg, "%s wants a whole number from %llu to %llu, not '%.40s'",
                 opt, (unsigned long long)min, (unsigned long long)max, text);
        floor_usage_error(msg);
    }
    return n;
}

uint64_t floor_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* KVM_GET_SUPPORTED_CPUID says E2BIG until the buffer is big enough. */
static struct kvm_cpuid2 *supported_cpuid(int kvm)
{
    for (uint32_t n = 64; n <= 4096; n *= 2) {
        struct kvm_cpuid2 *c = calloc(1, sizeof *c + n * sizeof c->entries[0]);
        if (!c)
            floor_die("allocating the CPUID table");
        c->nent = n;
        if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0)
            return c;
        free(c);
        if (errno != E2BIG)
            floor_die("KVM_GET_SUPPORTED_CPUID");
    }
    floor_fail("KVM_GET_SUPPORTED_CPUID", "more than 4096 entries");
}

static void write_u64(struct floor_vm *v, uint64_t gpa, uint64_t value)
{
    memcpy(v->ram + gpa, &value, sizeof value);
}

/* Identity map [0, map_bytes) with 2 MiB pages: one PML4 entry, one PDPT, a PD per GiB.
 * 2 MiB rather than 1 GiB pages because 1 GiB pages need CPUID.pdpe1gb, not everywhere. */
static void build_page_tables(struct floor_vm *v, uint64_t map_bytes)
{
    const uint64_t present_rw = 0x3, page_size = 0x80;
    uint64_t gibs = map_bytes / FLOOR_GIB;
    write_u64(v, FLOOR_PML4, FLOOR_PDPT | present_rw);
    for (uint64_t g = 0; g < gibs; g++) {
        uint64_t pd = FLOOR_PD + g * 0x1000;
        write_u64(v, FLOOR_PDPT + g * 8, pd | present_rw);
        for (uint64_t e = 0; e < 512; e++)
            write_u64(v, pd + e * 8, (g * FLOOR_GIB + e * (2 * FLOOR_MIB)) | present_rw | page_size);
    }
}

static void set_long_mode(struct floor_vm *v)
{
    /* GDT: null, 64-bit ring-0 code (selector 8), ring-0 data (selector 0x10). The CPU
     * only reads it again on a segment load, which these guests never do; it is here so
     * that the registers below describe a real table. */
    write_u64(v, FLOOR_GDT + 0, 0);
    write_u64(v, FLOOR_GDT + 8, 0x00af9b000000ffffull);
    write_u64(v, FLOOR_GDT + 16, 0x00cf93000000ffffull);

    struct kvm_sregs s;
    if (ioctl(v->vcpu, KVM_GET_SREGS, &s) < 0)
        floor_die("KVM_GET_SREGS");
    struct kvm_segment code = {.base = 0, .limit = 0xffffffff, .selector = 8, .type = 11,
                               .present = 1, .dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1};
    struct kvm_segment data = {.base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 3,
                               .present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1};
    s.cs = code;
    s.ds = s.es = s.fs = s.gs = s.ss = data;
    /* Intel's VM entry wants a usable busy TSS in TR; nothing here ever switches stacks
     * through it, so a zero-based one is enough. (KVM_SET_TSS_ADDR is skipped: it is only
     * for real-mode emulation on old Intel CPUs, and these guests start in long mode.) */
    s.tr = (struct kvm_segment){.base = 0, .limit = 0x67, .selector = 0x18, .type = 11,
                                .present = 1, .s = 0};
    s.gdt.base = FLOOR_GDT;
    s.gdt.limit = 3 * 8 - 1;
    s.cr3 = FLOOR_PML4;
    s.cr4 = 1u << 5;                                          /* PAE */
    s.cr0 = (1u << 0) | (1u << 4) | (1u << 5) | (1u << 31);  /* PE, ET, NE, PG */
    s.efer = (1u << 8) | (1u << 10);                          /* LME, LMA */
    if (ioctl(v->vcpu, KVM_SET_SREGS, &s) < 0)
        floor_die("KVM_SET_SREGS");

    struct kvm_regs r = {.rip = FLOOR_CODE, .rsp = FLOOR_STACK, .rflags = 2}; /* IF=0 */
    if (ioctl(v->vcpu, KVM_SET_REGS, &r) < 0)
        floor_die("KVM_SET_REGS");
}

void floor_vm_create(struct floor_vm *v, uint64_t mem_bytes, uint64_t map_bytes,
                     const uint8_t *code, size_t code_len)
{
    if (mem_bytes < FLOOR_MIB || map_bytes < 4 * FLOOR_GIB || map_bytes % FLOOR_GIB ||
        FLOOR_PD + map_bytes / FLOOR_GIB * 0x1000 > FLOOR_MIB || code_len > FLOOR_PD - FLOOR_CODE)
        floor_fail("setting up the VM", "layout out of range (a bug of this program)");
    v->mem_bytes = mem_bytes;

    v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (v->kvm < 0)
        floor_die("opening /dev/kvm");
    v->vm = ioctl(v->kvm, KVM_CREATE_VM, 0);
    if (v->vm < 0)
        floor_die("KVM_CREATE_VM");
    if (ioctl(v->vm, KVM_CREATE_IRQCHIP, 0) < 0)
        floor_die("KVM_CREATE_IRQCHIP");
    struct kvm_pit_config pit = {.flags = 0};
    if (ioctl(v->vm, KVM_CREATE_PIT2, &pit) < 0)
        floor_die("KVM_CREATE_PIT2");

    /* NORESERVE: no commit charge, so 64 GiB of guest RAM costs nothing until touched. */
    v->ram = mmap(NULL, mem_bytes, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (v->ram == MAP_FAILED)
        floor_die("mapping guest RAM");
    struct kvm_userspace_memory_region ram = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = mem_bytes,
        .userspace_addr = (uint64_t)(uintptr_t)v->ram};
    if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &ram) < 0)
        floor_die("KVM_SET_USER_MEMORY_REGION (guest RAM)");

    v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
    if (v->vcpu < 0)
        floor_die("KVM_CREATE_VCPU");
    int run_size = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size < 0)
        floor_die("KVM_GET_VCPU_MMAP_SIZE");
    v->run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
    if (v->run == MAP_FAILED)
        floor_die("mapping kvm_run");

    /* CPUID before the sregs: KVM checks CR4 against the guest's CPUID. */
    struct kvm_cpuid2 *cpuid = supported_cpuid(v->kvm);
    if (ioctl(v->vcpu, KVM_SET_CPUID2, cpuid) < 0)
        floor_die("KVM_SET_CPUID2");
    free(cpuid);

    build_page_tables(v, map_bytes);
    memcpy(v->ram + FLOOR_CODE, code, code_len);
    set_long_mode(v);
}

uint32_t floor_vm_run(struct floor_vm *v)
{
    while (ioctl(v->vcpu, KVM_RUN, 0) < 0) {
        if (errno != EINTR)
            floor_die("KVM_RUN");
    }
    return v->run->exit_reason;
}
