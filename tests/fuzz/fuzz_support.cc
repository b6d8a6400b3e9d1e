#include "tests/fuzz/fuzz_support.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>

namespace vmm::fuzz {

void check_failed(const char* file, int line, const char* condition, const std::string& why) {
  std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n  why: %s\n", file, line, condition,
               why.c_str());
  std::fflush(stderr);
  std::abort();
}

void quiet_logs() { spdlog::set_level(spdlog::level::off); }

}  // namespace vmm::fuzz
