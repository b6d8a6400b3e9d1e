// `vmm-bench check`: does a measurement hold every figure a run must produce, each with real
// samples? The ctest bench_kvm_smoke runs it after `measure --quick`; check_test.cc feeds it
// measurements that are wrong in each way it must refuse.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace bench {

// The figures every measurement has, quick or not (the scale curves: at least their 1- and
// 16-blob points), each with whether the floor must have samples for it too.
const std::vector<std::pair<std::string, bool>>& expected_figures();

// One line per problem ("blob.map.host.kvm: vmm sample 0 is 0: not measured"); empty when
// the measurement is complete. A required figure that is missing, has no samples (vmm's, or
// the floor's where it must have them), or has a sample that is not a positive finite number
// is a problem: every figure is a time or a size, and 0 is what a field that was never
// measured reads as.
std::vector<std::string> check_measurement(const nlohmann::json& measurement);

}  // namespace bench
