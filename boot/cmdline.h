// The kernel command line: checked against the kernel's limit and written NUL-terminated.
#pragma once

#include <cstdint>
#include <string_view>

#include "memory/guest_memory.h"

namespace vmm {

// Throws BootError if the command line is longer than `kernel_max` (the header's
// cmdline_size, which excludes the NUL), does not fit in `capacity` bytes including the
// NUL, or contains a NUL (the kernel would drop the rest). vmm checks this before it opens
// /dev/kvm, so a bad command line is one line without any KVM set-up before it.
void check_cmdline(std::string_view cmdline, std::uint64_t capacity, std::uint32_t kernel_max);

// Writes `cmdline` and its NUL at `addr`, after check_cmdline().
void write_cmdline(const GuestMemory& memory, std::uint64_t addr, std::uint64_t capacity,
                   std::string_view cmdline, std::uint32_t kernel_max);

}  // namespace vmm
