// vmm-bench: the benchmark driver behind scripts/bench (README, "Benchmarks").
//   measure  run the floor and vmm side by side where /dev/kvm is; write raw samples
//   render   min/median/max, ratios, the targets, markdown, JSON and PNG plots
//   check    every figure a measurement must have is there, with samples (the ctest)
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "bench/driver/check.h"
#include "bench/driver/measure.h"
#include "bench/driver/render.h"

namespace {

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  return nlohmann::json::parse(in);
}

// Prints each problem and a one-line summary; exit status 1 unless there is none.
int check(const nlohmann::json& measurement) {
  const std::vector<std::string> problems = bench::check_measurement(measurement);
  for (const std::string& p : problems) std::fprintf(stderr, "vmm-bench check: %s\n", p.c_str());
  std::printf("vmm-bench check: %zu figures expected, %zu missing, empty or not measured\n",
              bench::expected_figures().size(), problems.size());
  return problems.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vmm-bench: vmm measured side by side with the bare-KVM floor (see README, Benchmarks)"};
  app.require_subcommand(1);

  bench::MeasureOptions mo;
  std::string measurement_out;
  auto* measure = app.add_subcommand("measure", "Run the floor programs and vmm where /dev/kvm is; write raw samples as JSON");
  measure->add_option("--vmm", mo.vmm, "The vmm binary")->required()->check(CLI::ExistingFile);
  measure->add_option("--floor-dir", mo.floor_dir, "Directory with floor-boot, floor-exits, floor-memslot")->required()->check(CLI::ExistingDirectory);
  measure->add_option("--guest", mo.guest, "The tiny guest (tiny-guest.bzImage)")->required()->check(CLI::ExistingFile);
  measure->add_option("--work-dir", mo.work_dir, "Writable scratch directory")->required()->check(CLI::ExistingDirectory);
  measure->add_option("--where", mo.where, "Where KVM is, printed beside the numbers")->required();
  measure->add_flag("--quick", mo.quick, "A few iterations of everything (the ctest; not numbers to quote)");
  measure->add_option("--out", measurement_out, "Where the raw samples go (JSON)")->required();

  std::string measurement_in, micro_in, peer_in, out_dir;
  bool no_plots = false;
  auto* render = app.add_subcommand("render", "Tables (markdown, JSON), targets and PNG plots from a measurement");
  render->add_option("--measurement", measurement_in, "vmm-bench measure's output")->required()->check(CLI::ExistingFile);
  render->add_option("--micro", micro_in, "vmm-microbench --benchmark_format=json output")->check(CLI::ExistingFile);
  render->add_option("--peer", peer_in, "bench/peer/linux_boot_peer.sh output")->check(CLI::ExistingFile);
  render->add_option("--out-dir", out_dir, "Where results.md, results.json and the plots go")->required()->check(CLI::ExistingDirectory);
  render->add_flag("--no-plots", no_plots, "Skip the PNG plots (no gnuplot needed)");

  std::string check_in;
  auto* check_cmd = app.add_subcommand("check", "Fail unless a measurement has every figure, with measured (positive) samples");
  check_cmd->add_option("--measurement", check_in, "vmm-bench measure's output")->required()->check(CLI::ExistingFile);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "vmm-bench: %s (see vmm-bench --help)\n", e.what());
    return 2;
  }
  try {
    if (*measure) {
      const nlohmann::json result = bench::measure(mo);
      std::ofstream out(measurement_out);
      out << result.dump(1) << "\n";
      if (!out) throw std::runtime_error("cannot write " + measurement_out);
      return 0;
    }
    if (*render) {
      bench::RenderInput input{read_json(measurement_in), {}, {}};
      if (!micro_in.empty()) input.micro = read_json(micro_in);
      if (!peer_in.empty()) input.peer = read_json(peer_in);
      std::cout << bench::render(input, out_dir, !no_plots);
      return 0;
    }
    return check(read_json(check_in));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vmm-bench: error: %s\n", e.what());
    return 1;
  }
}
