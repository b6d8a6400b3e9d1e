// How much memory a process holds now, read from /proc: for the report's line beside vmm's
// own (the renderer process and the render server it started).
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace vmm::gpu::process {

// VmRSS of PID plus that of its children (one level: vmm-gpu-process's render server), in
// bytes; 0 for a process that is not there.
std::uint64_t resident_bytes_with_children(pid_t pid);

}  // namespace vmm::gpu::process
