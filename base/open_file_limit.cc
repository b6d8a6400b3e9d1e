#include "base/open_file_limit.h"

#include <sys/resource.h>

#include <algorithm>

namespace vmm {

std::uint64_t raise_open_file_limit(std::uint64_t wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= wanted) return limit.rlim_cur;
  // A process that may (CAP_SYS_RESOURCE, e.g. root under a minimal init whose hard limit
  // is the kernel's 4096) raises the hard limit too; any other keeps to it.
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < wanted) {
    const rlimit both{static_cast<rlim_t>(wanted), static_cast<rlim_t>(wanted)};
    if (setrlimit(RLIMIT_NOFILE, &both) == 0) return wanted;
  }
  const rlim_t raised = std::min<rlim_t>(wanted, limit.rlim_max);
  if (raised > limit.rlim_cur) {
    rlimit want = limit;
    want.rlim_cur = raised;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0) return raised;
  }
  return limit.rlim_cur;
}

}  // namespace vmm
