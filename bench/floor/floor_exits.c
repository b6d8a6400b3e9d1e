/* floor-exits: what one I/O-port or MMIO exit costs with a KVM_RUN loop that does nothing,
 * seen from the guest (TSC cycles) and from the host (wall time). */
#define _GNU_SOURCE
#include "floor_vm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define LOOP_PORT 0x3ff /* the measured exit; no in-kernel device here */
#define DONE_PORT 0x3fe /* "batch done": the delta is in guest memory */
#define MMIO_GPA 0xd0000000ull

/* The guest, ring 0, set up by the host: RSI = iterations, RDI = FLOOR_DATA, RBX = the
 * MMIO address. Per batch: TSC, N exits, TSC, the delta to (%rdi), a write to DONE_PORT.
 * It is put together from three pieces because the exiting instruction differs in length. */
static const uint8_t head[] = {
    0x48, 0x89, 0xf1,       /* outer: mov %rsi,%rcx */
    0x0f, 0xae, 0xe8,       /* lfence: rdtsc not before what came earlier */
    0x0f, 0x31,             /* rdtsc */
    0x48, 0xc1, 0xe2, 0x20, /* shl $32,%rdx */
    0x48, 0x09, 0xd0,       /* or %rdx,%rax */
    0x49, 0x89, 0xc0,       /* mov %rax,%r8 */
    0x66, 0xba, LOOP_PORT & 0xff, LOOP_PORT >> 8, /* mov $LOOP_PORT,%dx */
};                                                /* loop: (the exit), dec, jnz loop */
static const uint8_t pio_exit[] = {0xee};         /* out %al,(%dx) */
static const uint8_t mmio_exit[] = {0x89, 0x03};  /* mov %eax,(%rbx): no memslot there */
static const uint8_t loop_tail[] = {0x48, 0xff, 0xc9, 0x75 /* jnz rel8, patched */};
static const uint8_t tail[] = {
    0x0f, 0xae, 0xe8,       /* lfence: rdtsc not before the last exit is done */
    0x0f, 0x31,             /* rdtsc */
    0x48, 0xc1, 0xe2, 0x20, /* shl $32,%rdx */
    0x48, 0x09, 0xd0,       /* or %rdx,%rax */
    0x4c, 0x29, 0xc0,       /* sub %r8,%rax */
    0x48, 0x89, 0x07,       /* mov %rax,(%rdi) */
    0x66, 0xba, DONE_PORT & 0xff, DONE_PORT >> 8, /* mov $DONE_PORT,%dx */
    0xee,                                         /* out %al,(%dx) */
    0xeb /* jmp outer, rel8 patched */
};

static size_t put(uint8_t *code, size_t at, const uint8_t *bytes, size_t len)
{
    memcpy(code + at, bytes, len);
    return at + len;
}

static size_t build_guest(uint8_t *code, int mmio)
{
    size_t n = put(code, 0, head, sizeof head), loop = n;
    n = mmio ? put(code, n, mmio_exit, sizeof mmio_exit) : put(code, n, pio_exit, sizeof pio_exit);
    n = put(code, n, loop_tail, sizeof loop_tail);
    code[n] = (uint8_t)(int8_t)((long)loop - (long)(n + 1)); /* jnz loop */
    n = put(code, n + 1, tail, sizeof tail);
    code[n] = (uint8_t)(int8_t)(0 - (long)(n + 1)); /* jmp outer */
    return n + 1;
}

static const char usage[] =
    "usage: floor-exits --kind pio|mmio --iterations N --batches B [--mem-mib M]\n"
    "  Runs a ring-0 guest that times N port writes (pio) or N stores to an address with\n"
    "  no memslot (mmio) with the TSC, B batches after one dropped warm-up batch, while the\n"
    "  host's KVM_RUN loop does nothing on those exits. M MiB of RAM (default 64, 1..65536).\n"
    "  Prints one JSON line: tsc_khz (null if KVM cannot say), guest TSC cycles and host\n"
    "  nanoseconds per exit for each batch.\n";

int main(int argc, char **argv)
{
    floor_start("floor-exits", usage, argc, argv);
    int kind = -1; /* 0 pio, 1 mmio */
    uint64_t iterations = 0, batches = 0, mem_mib = 64;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i]; /* floor_arg moves i on */
        if (strcmp(argv[i], "--kind") == 0) {
            const char *k = floor_arg(argc, argv, &i);
            kind = strcmp(k, "pio") == 0 ? 0 : strcmp(k, "mmio") == 0 ? 1 : -2;
            if (kind == -2)
                floor_usage_error("--kind must be pio or mmio");
        } else if (strcmp(argv[i], "--iterations") == 0) {
            iterations = floor_parse_u64(opt, floor_arg(argc, argv, &i), 1, 1ull << 32);
        } else if (strcmp(argv[i], "--batches") == 0) {
            batches = floor_parse_u64(opt, floor_arg(argc, argv, &i), 1, 1000000);
        } else if (strcmp(argv[i], "--mem-mib") == 0) {
            mem_mib = floor_parse_u64(opt, floor_arg(argc, argv, &i), 1, FLOOR_MAX_MEM_MIB);
        } else {
            char msg[128];
            snprintf(msg, sizeof msg, "unexpected argument '%.40s'", argv[i]);
            floor_usage_error(msg);
        }
    }
    if (kind < 0 || iterations == 0 || batches == 0)
        floor_usage_error("--kind, --iterations and --batches are required");

    /* The MMIO address must have no memslot: above RAM when RAM reaches 0xd0000000. */
    uint64_t mem = mem_mib * FLOOR_MIB;
    uint64_t mmio_gpa = mem <= MMIO_GPA ? MMIO_GPA : (mem + FLOOR_GIB - 1) / FLOOR_GIB * FLOOR_GIB;
    uint64_t map = mmio_gpa / FLOOR_GIB * FLOOR_GIB + FLOOR_GIB; /* the GiB holding it */
    map = map > 4 * FLOOR_GIB ? map : 4 * FLOOR_GIB;

    uint8_t code[128];
    size_t code_len = build_guest(code, kind);
    struct floor_vm v;
    floor_vm_create(&v, mem, map, code, code_len);
    struct kvm_regs r;
    if (ioctl(v.vcpu, KVM_GET_REGS, &r) < 0)
        floor_die("KVM_GET_REGS");
    r.rsi = iterations, r.rdi = FLOOR_DATA, r.rbx = mmio_gpa;
    if (ioctl(v.vcpu, KVM_SET_REGS, &r) < 0)
        floor_die("KVM_SET_REGS");
    int tsc_khz = ioctl(v.vcpu, KVM_GET_TSC_KHZ, 0); /* <= 0: KVM cannot say */

    double *cycles = calloc(batches, sizeof *cycles), *ns = calloc(batches, sizeof *ns);
    if (!cycles || !ns)
        floor_die("allocating the results");
    uint64_t prev = floor_now_ns();
    for (uint64_t b = 0; b <= batches;) { /* batch 0 is the warm-up, dropped */
        uint32_t reason = floor_vm_run(&v);
        if (reason == KVM_EXIT_IO && v.run->io.direction == KVM_EXIT_IO_OUT &&
            v.run->io.port == LOOP_PORT && kind == 0)
            continue;
        if (reason == KVM_EXIT_MMIO && v.run->mmio.is_write && v.run->mmio.phys_addr == mmio_gpa &&
            kind == 1)
            continue;
        if (reason == KVM_EXIT_IO && v.run->io.direction == KVM_EXIT_IO_OUT &&
            v.run->io.port == DONE_PORT) {
            uint64_t now = floor_now_ns(), delta;
            memcpy(&delta, v.ram + FLOOR_DATA, sizeof delta);
            if (b > 0) {
                cycles[b - 1] = (double)delta / (double)iterations;
                ns[b - 1] = (double)(now - prev) / (double)iterations;
            }
            prev = now, b++;
            continue;
        }
        char msg[96];
        snprintf(msg, sizeof msg, "unexpected exit reason %u", reason);
        floor_fail("running the guest", msg);
    }

    printf("{\"program\":\"floor-exits\",\"kind\":\"%s\",\"iterations\":%llu,\"tsc_khz\":",
           kind ? "mmio" : "pio", (unsigned long long)iterations);
    if (tsc_khz > 0)
        printf("%d", tsc_khz);
    else
        printf("null");
    printf(",\"guest_cycles_per_exit\":[");
    for (uint64_t b = 0; b < batches; b++)
        printf("%s%.1f", b ? "," : "", cycles[b]);
    printf("],\"host_ns_per_exit\":[");
    for (uint64_t b = 0; b < batches; b++)
        printf("%s%.1f", b ? "," : "", ns[b]);
    printf("]}\n");
    free(cycles);
    free(ns);
    return 0;
}
