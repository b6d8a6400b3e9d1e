// vmm-bench: the benchmark driver behind scripts/bench (README, "Benchmarks").
//   measure  run the floor and vmm side by side where /dev/kvm is; write raw samples
//   render   min/median/max, ratios, the targets, markdown, JSON and PNG plots
//   check    every figure a measurement must have is there, with samples (the ctest)
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "bench/driver/figures.h"
#include "bench/driver/measure.h"
#include "bench/driver/render.h"

namespace {

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  return nlohmann::json::parse(in);
}

// The figures every measurement has, quick or not; the scale curves need at least their
// 1- and 16-blob points. Floor-backed ones must have floor samples too.
int check(const nlohmann::json& measurement) {
  std::map<std::string, bench::Figure> by_id;
  for (const auto& j : measurement.at("figures")) {
    bench::Figure f = bench::figure_from_json(j);
    by_id[f.id] = f;
  }
  const std::vector<std::pair<std::string, bool>> expected = {
      {"exit.pio", true}, {"exit.mmio", true}, {"startup.1g", true}, {"startup.1g.gpu", true},
      {"ram.startup@256M", true}, {"ram.startup@4G", true}, {"ram.startup@64G", true},
      {"ram.rss@256M", true}, {"ram.rss@4G", true}, {"ram.rss@64G", true},
      {"rss.own", false}, {"rss.own.gpu", false},
      {"blob.map.guest.per-blob", true}, {"blob.unmap.guest.per-blob", true},
      {"blob.map.guest.fixed", true}, {"blob.unmap.guest.fixed", true},
      {"blob.map.host", true}, {"blob.unmap.host", true},
      {"blob.map.host.kvm", true}, {"blob.unmap.host.kvm", true},
      {"scale.per-blob.map@1", false}, {"scale.per-blob.map@16", false},
      {"scale.per-blob.unmap@1", false}, {"scale.per-blob.unmap@16", false},
      {"scale.fixed.map@1", false}, {"scale.fixed.map@16", false},
      {"scale.fixed.unmap@1", false}, {"scale.fixed.unmap@16", false},
      {"scale.floor.add@1", false}, {"scale.floor.add@16", false},
      {"scale.floor.remove@1", false}, {"scale.floor.remove@16", false}};
  int missing = 0;
  for (const auto& [id, needs_floor] : expected) {
    auto it = by_id.find(id);
    const char* problem = it == by_id.end() ? "missing"
                          : it->second.vmm.empty() ? "no samples"
                          : needs_floor && it->second.floor.empty() ? "no floor samples" : nullptr;
    if (problem) {
      std::fprintf(stderr, "vmm-bench check: %s: %s\n", id.c_str(), problem);
      ++missing;
    }
  }
  std::printf("vmm-bench check: %zu figures, %zu expected, %d missing or empty\n", by_id.size(),
              expected.size(), missing);
  return missing == 0 ? 0 : 1;
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
  auto* check_cmd = app.add_subcommand("check", "Fail unless a measurement has every figure, with samples");
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
