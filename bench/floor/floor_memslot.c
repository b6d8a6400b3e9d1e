/* floor-memslot: what adding and removing one memslot costs KVM itself, as a function of
 * how many other slots the VM has (a guest with many small blobs mapped). */
#define _GNU_SOURCE
#include "floor_vm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define RAM_BYTES (64 * FLOOR_MIB)
#define LIVE_SLOT_BYTES 4096ull
#define LIVE_GPA (64 * FLOOR_GIB)     /* live slots, side by side, far above RAM */
#define MEASURED_GPA (32 * FLOOR_GIB) /* the measured slot, between RAM and the live ones */
#define MAX_POINTS 64
#define LIVE_MAX UINT64_MAX /* "max" in the list until KVM's limit is known */

/* mov $0x3ff,%dx; out %al,(%dx); then halt for ever (never run that far). */
static const uint8_t guest[] = {0x66, 0xba, 0xff, 0x03, 0xee, 0xf4, 0xeb, 0xfd};

static const char usage[] =
    "usage: floor-memslot --live LIST --repeat R [--size-bytes S]\n"
    "  In a VM with 64 MiB of RAM whose vCPU has run, grows the number of extra 4 KiB\n"
    "  memslots to each count in LIST (ascending, comma-separated; 'max' is as many as KVM\n"
    "  allows) and there times R times adding, then removing, one S-byte memfd-backed slot\n"
    "  (default 2097152, a multiple of 4096). Prints one JSON line with the times in ns.\n";

static int memfd_of(const char *name, uint64_t bytes, uint8_t **map)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0)
        floor_die("memfd_create");
    if (ftruncate(fd, (off_t)bytes) < 0)
        floor_die("ftruncate of the memfd");
    *map = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (*map == MAP_FAILED)
        floor_die("mapping the memfd");
    return fd;
}

static void set_slot(int vm, uint32_t slot, uint64_t gpa, uint64_t bytes, void *host,
                     const char *what)
{
    struct kvm_userspace_memory_region m = {.slot = slot, .guest_phys_addr = gpa,
                                            .memory_size = bytes,
                                            .userspace_addr = (uint64_t)(uintptr_t)host};
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &m) < 0)
        floor_die(what);
}

static size_t parse_list(const char *text, uint64_t *live)
{
    char buf[1024];
    if (strlen(text) >= sizeof buf)
        floor_usage_error("--live list too long");
    strcpy(buf, text);
    size_t n = 0;
    for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (n == MAX_POINTS)
            floor_usage_error("--live has more than 64 counts");
        live[n] = strcmp(tok, "max") == 0 ? LIVE_MAX : floor_parse_u64("--live", tok, 0, 1u << 20);
        if (n > 0 && live[n] <= live[n - 1])
            floor_usage_error("--live counts must be ascending ('max' last)");
        n++;
    }
    if (n == 0)
        floor_usage_error("--live needs at least one count");
    return n;
}

int main(int argc, char **argv)
{
    floor_start("floor-memslot", usage, argc, argv);
    uint64_t live[MAX_POINTS], repeat = 0, size = 2097152;
    size_t points = 0;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i]; /* floor_arg moves i on */
        if (strcmp(argv[i], "--live") == 0) {
            points = parse_list(floor_arg(argc, argv, &i), live);
        } else if (strcmp(argv[i], "--repeat") == 0) {
            repeat = floor_parse_u64(opt, floor_arg(argc, argv, &i), 1, 1000000);
        } else if (strcmp(argv[i], "--size-bytes") == 0) {
            size = floor_parse_u64(opt, floor_arg(argc, argv, &i), 4096, 32 * FLOOR_GIB);
            if (size % 4096)
                floor_usage_error("--size-bytes must be a multiple of 4096");
        } else {
            char msg[128];
            snprintf(msg, sizeof msg, "unexpected argument '%.40s'", argv[i]);
            floor_usage_error(msg);
        }
    }
    if (points == 0 || repeat == 0)
        floor_usage_error("--live and --repeat are required");

    struct floor_vm v;
    floor_vm_create(&v, RAM_BYTES, 4 * FLOOR_GIB, guest, sizeof guest);
    /* Run to the first port write, so that KVM's MMU has roots as in a running guest. */
    uint32_t reason = floor_vm_run(&v);
    if (reason != KVM_EXIT_IO || v.run->io.port != 0x3ff)
        floor_fail("running the guest", "its first exit is not the port write");

    /* Slot ids: 0 RAM, 1..L live, the last id the measured one. */
    int limit = ioctl(v.vm, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
    if (limit < 3)
        floor_fail("KVM_CHECK_EXTENSION(KVM_CAP_NR_MEMSLOTS)", "fewer than 3 slots");
    uint64_t live_max = (uint64_t)limit - 2;
    for (size_t p = 0; p < points; p++) {
        if (live[p] == LIVE_MAX)
            live[p] = live_max;
        if (live[p] > live_max || (p > 0 && live[p] <= live[p - 1])) {
            char msg[96];
            snprintf(msg, sizeof msg, "%llu live slots asked, KVM allows %llu here",
                     (unsigned long long)live[p], (unsigned long long)live_max);
            floor_fail("--live", msg);
        }
    }

    /* All memory before any timing: the live slots carved from one mapping of one memfd
     * (32k separate mappings would hit vm.max_map_count), the measured slot from another. */
    uint8_t *live_mem, *measured_mem;
    memfd_of("floor-live", live[points - 1] ? live[points - 1] * LIVE_SLOT_BYTES : LIVE_SLOT_BYTES,
             &live_mem);
    memfd_of("floor-measured", size, &measured_mem);
    uint32_t measured_slot = (uint32_t)limit - 1;

    uint64_t *add = calloc(points * repeat, sizeof *add);
    uint64_t *rem = calloc(points * repeat, sizeof *rem);
    if (!add || !rem)
        floor_die("allocating the results");
    uint64_t have = 0;
    for (size_t p = 0; p < points; p++) {
        for (; have < live[p]; have++)
            set_slot(v.vm, (uint32_t)(1 + have), LIVE_GPA + have * LIVE_SLOT_BYTES,
                     LIVE_SLOT_BYTES, live_mem + have * LIVE_SLOT_BYTES,
                     "KVM_SET_USER_MEMORY_REGION (a live slot)");
        for (uint64_t r = 0; r < repeat; r++) {
            uint64_t t0 = floor_now_ns();
            set_slot(v.vm, measured_slot, MEASURED_GPA, size, measured_mem,
                     "KVM_SET_USER_MEMORY_REGION (adding the measured slot)");
            uint64_t t1 = floor_now_ns();
            set_slot(v.vm, measured_slot, MEASURED_GPA, 0, measured_mem,
                     "KVM_SET_USER_MEMORY_REGION (removing the measured slot)");
            uint64_t t2 = floor_now_ns();
            add[p * repeat + r] = t1 - t0;
            rem[p * repeat + r] = t2 - t1;
        }
    }

    /* Printed only now: an error above leaves stdout empty, not half an object. */
    printf("{\"program\":\"floor-memslot\",\"kvm_max_memslots\":%d,\"size_bytes\":%llu,\"points\":[",
           limit, (unsigned long long)size);
    for (size_t p = 0; p < points; p++) {
        printf("%s{\"live\":%llu,\"add_ns\":[", p ? "," : "", (unsigned long long)live[p]);
        for (uint64_t r = 0; r < repeat; r++)
            printf("%s%llu", r ? "," : "", (unsigned long long)add[p * repeat + r]);
        printf("],\"remove_ns\":[");
        for (uint64_t r = 0; r < repeat; r++)
            printf("%s%llu", r ? "," : "", (unsigned long long)rem[p * repeat + r]);
        printf("]}");
    }
    printf("]}\n");
    free(add);
    free(rem);
    return 0;
}
