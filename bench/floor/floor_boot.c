/* floor-boot: exec to the guest's first port write, with nothing but KVM's own steps in
 * between; the driver subtracts its CLOCK_MONOTONIC before posix_spawn from ours. */
#define _GNU_SOURCE
#include "floor_vm.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#define BOOT_PORT 0x3ff /* not handled in the kernel: the write comes out as KVM_EXIT_IO */

/* out %al,(%dx) is the very first instruction (RDX is set to the port beforehand); then
 * halt for ever, which this program never waits for. */
static const uint8_t guest[] = {
    0xee,       /* out %al,(%dx) */
    0xf4,       /* 1: hlt */
    0xeb, 0xfd, /* jmp 1b */
};

static const char usage[] =
    "usage: floor-boot --mem-mib N\n"
    "  Sets up a KVM VM with N MiB of RAM (1..65536) and one vCPU in long mode, runs it to\n"
    "  its first port write, and prints one JSON line: the CLOCK_MONOTONIC time of that\n"
    "  exit and the process's RSS (total, anon, file, shmem) then.\n";

/* VmRSS and friends, in bytes (the file says kB); -1 where a line is missing. */
static void read_rss(long long out[4])
{
    static const char *const keys[4] = {"VmRSS:", "RssAnon:", "RssFile:", "RssShmem:"};
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        floor_die("opening /proc/self/status");
    char line[256];
    for (int k = 0; k < 4; k++)
        out[k] = -1;
    while (fgets(line, sizeof line, f)) {
        for (int k = 0; k < 4; k++) {
            size_t n = strlen(keys[k]);
            long long kib;
            if (strncmp(line, keys[k], n) == 0 && sscanf(line + n, "%lld", &kib) == 1)
                out[k] = kib * 1024;
        }
    }
    fclose(f);
    for (int k = 0; k < 4; k++)
        if (out[k] < 0)
            floor_fail("reading /proc/self/status", "an RSS line is missing");
}

int main(int argc, char **argv)
{
    floor_start("floor-boot", usage, argc, argv);
    uint64_t mem_mib = 0;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i]; /* floor_arg moves i on */
        if (strcmp(argv[i], "--mem-mib") == 0) {
            mem_mib = floor_parse_u64(opt, floor_arg(argc, argv, &i), 1, FLOOR_MAX_MEM_MIB);
        } else {
            char msg[128];
            snprintf(msg, sizeof msg, "unexpected argument '%.40s'", argv[i]);
            floor_usage_error(msg);
        }
    }
    if (mem_mib == 0)
        floor_usage_error("--mem-mib is required");

    struct floor_vm v;
    floor_vm_create(&v, mem_mib * FLOOR_MIB, 4 * FLOOR_GIB, guest, sizeof guest);
    struct kvm_regs r;
    if (ioctl(v.vcpu, KVM_GET_REGS, &r) < 0)
        floor_die("KVM_GET_REGS");
    r.rdx = BOOT_PORT;
    if (ioctl(v.vcpu, KVM_SET_REGS, &r) < 0)
        floor_die("KVM_SET_REGS");

    uint32_t reason = floor_vm_run(&v);
    uint64_t at = floor_now_ns(); /* first, before anything else can add to it */
    if (reason != KVM_EXIT_IO || v.run->io.port != BOOT_PORT ||
        v.run->io.direction != KVM_EXIT_IO_OUT) {
        char msg[96];
        snprintf(msg, sizeof msg, "exit reason %u, not a write to port 0x%x", reason, BOOT_PORT);
        floor_fail("running the guest", msg);
    }
    long long rss[4];
    read_rss(rss);
    printf("{\"program\":\"floor-boot\",\"mem_bytes\":%llu,\"first_port_write_monotonic_ns\":%llu,"
           "\"rss_bytes\":%lld,\"rss_anon_bytes\":%lld,\"rss_file_bytes\":%lld,"
           "\"rss_shmem_bytes\":%lld}\n",
           (unsigned long long)v.mem_bytes, (unsigned long long)at, rss[0], rss[1], rss[2],
           rss[3]);
    return 0;
}
