// `vmm-bench render`: turns a measurement (measure.h), and optionally Google Benchmark's
// JSON from vmm-microbench and the peer comparison from bench/peer, into the results: one
// JSON and one markdown table (min / median / max of vmm and of the floor, and their ratio,
// for every figure), the targets each judged, and PNG plots of the curves (gnuplot).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace bench {

struct RenderInput {
  nlohmann::json measurement;
  std::optional<nlohmann::json> micro;  // vmm-microbench --benchmark_format=json
  std::optional<nlohmann::json> peer;   // bench/peer/linux_boot_peer.sh
};

// Writes results.json, results.md and the plots into `out_dir`; returns the markdown.
// Throws std::runtime_error when gnuplot is missing or fails.
std::string render(const RenderInput& input, const std::string& out_dir, bool plots);

}  // namespace bench
