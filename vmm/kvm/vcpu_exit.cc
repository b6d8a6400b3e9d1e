#include "vmm/kvm/vcpu_exit.h"

#include <algorithm>

#include "vmm/kvm/kvm_uapi.h"

namespace vmm {

static_assert(VcpuExit::kSystemEventShutdown == KVM_SYSTEM_EVENT_SHUTDOWN);
static_assert(VcpuExit::kSystemEventReset == KVM_SYSTEM_EVENT_RESET);
static_assert(VcpuExit::kSystemEventCrash == KVM_SYSTEM_EVENT_CRASH);
static_assert(VcpuExit::kInternalErrorEmulation == KVM_INTERNAL_ERROR_EMULATION);

std::string_view to_string(VcpuExit::Kind kind) { return kVcpuExitKindNames.name(kind); }

VcpuExit decode_exit(kvm_run& run, std::size_t run_size) {
  VcpuExit e;
  switch (run.exit_reason) {
    case KVM_EXIT_IO: {
      const std::uint64_t bytes = std::uint64_t{run.io.size} * run.io.count;
      if (run.io.data_offset > run_size || bytes > run_size - run.io.data_offset) {
        e.code = run.exit_reason;
        return e;
      }
      e.kind = run.io.direction == KVM_EXIT_IO_OUT ? VcpuExit::Kind::IoOut : VcpuExit::Kind::IoIn;
      e.address = run.io.port;
      e.size = run.io.size;
      e.count = run.io.count;
      e.data = {reinterpret_cast<std::uint8_t*>(&run) + run.io.data_offset, bytes};
      return e;
    }
    case KVM_EXIT_MMIO:
      e.kind = run.mmio.is_write ? VcpuExit::Kind::MmioWrite : VcpuExit::Kind::MmioRead;
      e.address = run.mmio.phys_addr;
      e.data = {run.mmio.data, std::min<std::size_t>(run.mmio.len, sizeof run.mmio.data)};
      return e;
    case KVM_EXIT_HLT:
      e.kind = VcpuExit::Kind::Hlt;
      return e;
    case KVM_EXIT_SHUTDOWN:
      e.kind = VcpuExit::Kind::Shutdown;
      return e;
    case KVM_EXIT_FAIL_ENTRY:
      e.kind = VcpuExit::Kind::FailEntry;
      e.code = run.fail_entry.hardware_entry_failure_reason;
      return e;
    case KVM_EXIT_INTERNAL_ERROR:
      e.kind = VcpuExit::Kind::InternalError;
      e.code = run.internal.suberror;
      e.internal_count = std::min<std::uint32_t>(run.internal.ndata, e.internal.size());
      std::copy_n(run.internal.data, e.internal_count, e.internal.begin());
      return e;
    case KVM_EXIT_SYSTEM_EVENT:
      e.kind = VcpuExit::Kind::SystemEvent;
      e.code = run.system_event.type;
      return e;
    default:
      e.code = run.exit_reason;
      return e;
  }
}

}  // namespace vmm
