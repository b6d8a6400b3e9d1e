// The soft limit on open files (RLIMIT_NOFILE), raised for devices that hold an fd per
// guest object: every live HOST3D blob is a memfd, and the usual soft limit of 1024 would
// end a guest's blobs long before the device's own cap (gpu_limits.h).
#pragma once

#include <cstdint>

namespace vmm {

// Raises the soft limit toward `wanted`, and the hard limit with it where this process may
// (CAP_SYS_RESOURCE); never lowers either.
// Returns the soft limit in force afterwards (0 when it cannot be read).
std::uint64_t raise_open_file_limit(std::uint64_t wanted);

}  // namespace vmm
