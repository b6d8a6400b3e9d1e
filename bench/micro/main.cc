// vmm-microbench: see bench/micro/README.md. Google Benchmark's own flags apply
// (--benchmark_filter, --benchmark_format=json, --benchmark_list_tests, ...).
#include <benchmark/benchmark.h>

#include "bench/micro/micro.h"

int main(int argc, char** argv) {
  vmm::bench::register_memslot_benchmarks();
  vmm::bench::register_virtqueue_benchmarks();
  vmm::bench::register_gpu_benchmarks();
  vmm::bench::register_pci_benchmarks();

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
