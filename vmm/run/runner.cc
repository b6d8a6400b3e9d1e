#include "vmm/run/runner.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "base/rate_limiter.h"
#include "devices/gpu/virtio_gpu.h"
#include "devices/serial_8250.h"
#include "vmm/report/memslot_report.h"
#include "vmm/report/run_report.h"
#include "vmm/control/control_server.h"
#include "vmm/run/control_events.h"
#include "vmm/run/machine_control.h"
#include "vmm/run/pause_gate.h"
#include "vmm/run/report_now.h"
#include "vmm/run/exit_status.h"
#include "vmm/run/seccomp_filter.h"
#include "vmm/run/signal_watch.h"
#include "vmm/run/spte_reader.h"
#include "vmm/run/stdin_pump.h"
#include "vmm/run/vcpu_loop.h"
#include "vmm/version.h"

namespace vmm {

namespace {

// What the threads' allow-lists depend on (seccomp_allowlists.h).
AllowListFacts allow_list_facts(const Options& options, int resident_memory_fd, int renderer_memory_fd,
                                int renderer_process_pid) {
  AllowListFacts facts;
  facts.pid = getpid();
  facts.kick_signal = VcpuLoop::kick_signal();
  facts.stdin_fd = STDIN_FILENO;
  facts.main_opens_files = options.report.has_value() || options.gpu_screenshot.has_value();
  facts.main_removes_files = options.gpu_screenshot.has_value();
  facts.main_reads_fd = resident_memory_fd;
  facts.renderer_reads_fd = renderer_memory_fd;
  facts.renderer_process_pid = renderer_process_pid;
  facts.control = options.control.has_value();
  facts.control_screenshots = options.control.has_value() && options.gpu;
  return facts;
}

}  // namespace

Runner::Runner(Machine& machine, const Options& options, StartupTimeline& timeline,
               std::optional<control::ControlSocket> control)
    : machine_(machine),
      options_(options),
      timeline_(timeline),
      resident_memory_(options.report || control ? ResidentMemoryReader::open_self() : ResidentMemoryReader()),
      control_socket_(std::move(control)) {}

StopReason Runner::run_vcpus(const SeccompFilters& seccomp) {
  StopSignal& stop = machine_.stop();
  std::vector<KvmVcpu>& vcpus = machine_.vcpus();
  VcpuLoop::install_kick_signal_handler();
  // Every thread confines itself first thing (a filter covers only its own thread and the
  // ones it creates later); one that cannot stops the VM before the guest runs.
  auto confine = [&seccomp, &stop](ThreadRole role, const std::string& label) {
    if (auto error = seccomp.confine_this_thread(role, label); !error.empty()) {
      spdlog::error("seccomp: cannot confine the {} thread: {}", label, error);
      stop.request(kExitSetupError, "seccomp: cannot confine the " + label + " thread");
    }
  };
  // Held until main has confined itself too: no guest instruction runs in an unconfined
  // process.
  std::mutex start_mutex;
  std::unique_lock start_gate(start_mutex);
  // Before any vCPU thread exists, so they all inherit SIGINT/SIGTERM blocked.
  SignalWatch signals(stop, [&] { confine(ThreadRole::SignalWatch, "signal watcher"); });
  std::vector<std::thread> threads;
  std::vector<pthread_t> handles;  // emptied before the threads are joined
  std::mutex handles_mutex;
  // Make every vCPU leave KVM_RUN: immediate_exit covers a thread about to enter, the
  // signal one already inside.
  auto kick_vcpus = [&] {
    for (auto& vcpu : vcpus) vcpu.run_data()->immediate_exit = 1;
    std::lock_guard lock(handles_mutex);
    for (auto handle : handles) pthread_kill(handle, VcpuLoop::kick_signal());
  };
  PauseGate pause(vcpus.size());
  // A paused vCPU waits at the gate, not in KVM_RUN: the stop lets it go first.
  stop.on_stop([&] {
    pause.release_for_stop();
    kick_vcpus();
  });
  // Before the guest runs, so that `events` misses nothing.
  std::shared_ptr<control::EventFeed> events = control_socket_ ? feed_control_events(machine_) : nullptr;
  {
    std::lock_guard lock(handles_mutex);
    for (auto& vcpu : vcpus) {
      threads.emplace_back([this, &vcpu, &stop, &confine, &start_mutex, &pause] {
        // KVM's tracepoint names the thread that faulted a page in: events of this thread
        // are this VM's.
        if (SpteTracer* tracer = machine_.spte_tracer()) tracer->add_vcpu_thread(static_cast<pid_t>(gettid()));
        confine(ThreadRole::Vcpu, "vCPU " + std::to_string(vcpu.index()));
        { std::lock_guard wait_for_main(start_mutex); }
        std::optional<FirstTouch> first_touch;
        if (machine_.first_touch())
          first_touch.emplace(machine_.memslot_table(), vcpu, machine_.memtype_deriver(),
                              machine_.host_facts().flavour, machine_.emulation_exits());
        VcpuLoop(vcpu, machine_.io_bus(), machine_.mmio_bus(), stop, &timeline_,
                 first_touch ? &*first_touch : nullptr, &pause)
            .run();
      });
      handles.push_back(threads.back().native_handle());
    }
  }
  SpteReader spte_reader(machine_.spte_tracer(), [&] { confine(ThreadRole::SpteReader, "KVM entry reader"); });
  // The control socket's thread, until the vCPUs have stopped and been walked (declared
  // after what its commands use, so it goes first). Started before main confines itself:
  // a thread inherits the filters of the thread that creates it.
  std::optional<MachineControl> control_target;
  std::optional<control::ControlServer> control_server;
  if (control_socket_) {
    control_target.emplace(machine_, pause, kick_vcpus, timeline_, resident_memory_);
    control_server.emplace(std::move(*control_socket_), *control_target, events, kVersion,
                           [&] { confine(ThreadRole::Control, "control socket"); });
    control_socket_.reset();
  }
  StopReason reason;
  {
    StdinPump input(
        STDIN_FILENO,
        [this](std::span<const std::uint8_t> bytes) { machine_.serial().enqueue_input(bytes); },
        [&] { confine(ThreadRole::StdinPump, "stdin pump"); });
    // The render thread was started with the machine (its renderer had to open libraries
    // and the EGL display): it confines itself now, between two rounds of work.
    if (machine_.gpu() != nullptr)
      machine_.gpu()->run_on_render_thread([&] { confine(ThreadRole::Renderer, "renderer"); });
    confine(ThreadRole::Main, "main");
    start_gate.unlock();
    reason = stop.wait();
  }
  // The stop's callback runs after wait() returned, on the thread that asked: do its work
  // here too, then let no later kick reach a thread that is being joined.
  pause.release_for_stop();
  kick_vcpus();
  {
    std::lock_guard lock(handles_mutex);
    handles.clear();
  }
  for (auto& thread : threads) thread.join();
  stop.on_stop({});
  // No vCPU runs: KVM writes no more entries. The reader reads what is left and gives the
  // tracefs instance back; then every vCPU's address space is walked once more.
  spte_reader.finish();
  if (MemtypeDeriver* deriver = machine_.memtype_deriver()) deriver->at_stop(vcpus, machine_.memslots().slots());
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
      write_run_report(*options_.report, report_now(machine_, reason, timeline_, resident_memory_));
      spdlog::info("report written to {}", *options_.report);
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
    }
  }
  if (options_.print_memslots) {
    std::fputs("memslots at exit:\n", stderr);
    const auto derived = machine_.derived_effective();
    std::fputs(format_memslot_table(machine_.memslots().slots(), machine_.memtype_deriver() ? &derived : nullptr).c_str(),
               stderr);
  }
}

int Runner::run() {
  std::optional<RendererStats> renderer = machine_.gpu() ? machine_.gpu()->renderer_stats() : std::nullopt;
  const int renderer_pid = renderer && renderer->process ? renderer->process->pid : -1;
  const SeccompFilters seccomp(options_.seccomp, allow_list_facts(options_, resident_memory_.fd(),
                                                        machine_.gpu() ? machine_.gpu()->renderer_memory_fd() : -1,
                                                        renderer_pid));
  if (options_.seccomp == SeccompMode::Off)
    spdlog::warn("--seccomp off: vmm's threads run without system-call allow-lists");
  else if (options_.seccomp == SeccompMode::Log)
    spdlog::info("--seccomp log: system calls off the allow-lists are carried out and logged "
                 "by the kernel (dmesg: audit type=1326 ... syscall=NR)");
  const StopReason reason = run_vcpus(seccomp);
  write_outputs(reason);
  if (const std::uint64_t suppressed = RateLimiter::total_suppressed(); suppressed != 0)
    spdlog::warn("{} guest-triggered log lines were suppressed by rate limiting (at most {} per "
                 "call site every 5 s)", suppressed, RateLimiter::kDefaultBurst);
  if (reason.exit_status == kExitVmFailed)
    spdlog::error("VM stopped: {}", reason.description);
  else
    spdlog::info("VM stopped: {}; exit status {}", reason.description, reason.exit_status);
  return reason.exit_status;
}

}  // namespace vmm
