// CLOCK_MONOTONIC in nanoseconds: the one clock that means the same in every process on a
// host, so a benchmark driver that noted the time before exec can subtract it from a time
// vmm reports (its --report timeline, its --memslot-trace events).
#pragma once

#include <time.h>

#include <cstdint>

namespace vmm {

inline std::uint64_t monotonic_ns() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(now.tv_nsec);
}

}  // namespace vmm
