// VMM_GUEST_LOG(level, format, args...): a log line the guest can cause (a register it
// should not write, a request the device refuses). Each call site has its own RateLimiter:
// at most RateLimiter::kDefaultBurst lines per 5 s, and the next line admitted after a
// suppression first says how many were dropped. Arguments are not evaluated for a line
// that is not logged, and a level the logger would drop costs no token. Users link spdlog.
#pragma once

#include <spdlog/spdlog.h>

#include "base/rate_limiter.h"

#define VMM_GUEST_LOG(level, ...)                                                            \
  do {                                                                                       \
    if (spdlog::should_log(level)) {                                                         \
      static ::vmm::RateLimiter vmm_guest_log_limiter_;                                      \
      const auto vmm_admission_ = vmm_guest_log_limiter_.admit(::vmm::RateLimiter::Clock::now()); \
      if (vmm_admission_.admitted) {                                                         \
        if (vmm_admission_.suppressed_before != 0)                                           \
          spdlog::log(level, "({} similar guest-triggered lines suppressed)",                \
                      vmm_admission_.suppressed_before);                                     \
        spdlog::log(level, __VA_ARGS__);                                                     \
      }                                                                                      \
    }                                                                                        \
  } while (0)
