// `vmm-bench measure`: runs the floor programs (bench/floor) and vmm with the tiny guest's
// bench.* checks side by side, interleaved, and returns every figure's raw samples. Needs
// /dev/kvm (scripts/bench runs it natively or in the emulated host).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace bench {

struct MeasureOptions {
  std::string vmm;        // the vmm binary
  std::string floor_dir;  // where floor-boot, floor-exits, floor-memslot are
  std::string guest;      // tiny-guest.bzImage
  std::string work_dir;   // scratch: captures, reports, traces (must be writable)
  std::string where;      // "native KVM (...)" or "emulated host (...)": printed beside the numbers
  bool quick = false;     // a few iterations of everything: the ctest, never for numbers
};

// {"where", "quick", "tsc_khz", "figures": [...]}; throws std::runtime_error naming the
// program and its stderr when a run fails.
nlohmann::json measure(const MeasureOptions& options);

}  // namespace bench
