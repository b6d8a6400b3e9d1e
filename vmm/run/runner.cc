#include "vmm/run/runner.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "devices/gpu/virtio_gpu.h"
#include "devices/serial_8250.h"
#include "vmm/report/memslot_report.h"
#include "vmm/report/run_report.h"
#include "vmm/run/exit_status.h"
#include "vmm/run/signal_watch.h"
#include "vmm/run/stdin_pump.h"
#include "vmm/run/vcpu_loop.h"

namespace vmm {

StopReason Runner::run_vcpus() {
  StopSignal& stop = machine_.stop();
  std::vector<KvmVcpu>& vcpus = machine_.vcpus();
  VcpuLoop::install_kick_signal_handler();
  // Before any vCPU thread exists, so they all inherit SIGINT/SIGTERM blocked.
  SignalWatch signals(stop);
  std::vector<std::thread> threads;
  std::vector<pthread_t> handles;
  std::mutex handles_mutex;
  stop.on_stop([&] {
    // Make every vCPU leave KVM_RUN: immediate_exit covers a thread about to enter, the
    // signal one already inside.
    for (auto& vcpu : vcpus) vcpu.run_data()->immediate_exit = 1;
    std::lock_guard lock(handles_mutex);
    for (auto handle : handles) pthread_kill(handle, VcpuLoop::kick_signal());
  });
  {
    std::lock_guard lock(handles_mutex);
    for (auto& vcpu : vcpus) {
      threads.emplace_back([this, &vcpu, &stop] {
        VcpuLoop(vcpu, machine_.io_bus(), machine_.mmio_bus(), stop).run();
      });
      handles.push_back(threads.back().native_handle());
    }
  }
  StopReason reason;
  {
    StdinPump input(STDIN_FILENO, [this](std::span<const std::uint8_t> bytes) {
      machine_.serial().enqueue_input(bytes);
    });
    reason = stop.wait();
  }
  for (auto& thread : threads) thread.join();
  stop.on_stop({});
  return reason;
}

void Runner::write_outputs(const StopReason& reason) {
  if (machine_.gpu() && options_.gpu_screenshot) {
    std::string error;
    if (machine_.gpu()->write_scanout_png(*options_.gpu_screenshot, &error))
      spdlog::info("scanout written to {}", *options_.gpu_screenshot);
    else
      spdlog::error("--gpu-screenshot {}: {}", *options_.gpu_screenshot, error);
  }
  if (options_.report) {
    try {
      write_run_report(*options_.report, machine_.report_input(reason));
      spdlog::info("report written to {}", *options_.report);
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
    }
  }
  if (options_.print_memslots) {
    std::fputs("memslots at exit:\n", stderr);
    std::fputs(format_memslot_table(machine_.memslots().slots()).c_str(), stderr);
  }
}

int Runner::run() {
  const StopReason reason = run_vcpus();
  write_outputs(reason);
  if (reason.exit_status == kExitVmFailed)
    spdlog::error("VM stopped: {}", reason.description);
  else
    spdlog::info("VM stopped: {}; exit status {}", reason.description, reason.exit_status);
  return reason.exit_status;
}

}  // namespace vmm
