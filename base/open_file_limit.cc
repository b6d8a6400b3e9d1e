#include "base/open_file_limit.h"

#include <sys/resource.h>

#include <algorithm>

namespace vmm {

std::uint64_t raise_open_file_limit(std::uint64_t wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= wanted) return limit.rlim_cur;
  const rlim_t raised = std::min<rlim_t>(wanted, limit.rlim_max);
  if (raised > limit.rlim_cur) {
    rlimit want = limit;
    want.rlim_cur = raised;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0) return raised;
  }
  return limit.rlim_cur;
}

}  // namespace vmm
