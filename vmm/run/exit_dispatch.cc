#include "vmm/run/exit_dispatch.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstring>

#include "base/guest_log.h"
#include "vmm/run/exit_status.h"

namespace vmm {

namespace {

std::string_view system_event_name(std::uint64_t type) {
  switch (type) {
    case VcpuExit::kSystemEventShutdown: return "shutdown";
    case VcpuExit::kSystemEventReset: return "reset";
    case VcpuExit::kSystemEventCrash: return "crash";
    default: return "unknown";
  }
}

void port_access(const VcpuExit& e, Bus& io, std::uint32_t vcpu) {
  // `rep ins/outs` arrives as one exit with count > 1, elements packed back to back.
  for (std::uint32_t i = 0; i < e.count; ++i) {
    std::span<std::uint8_t> element = e.data.subspan(std::size_t{i} * e.size, e.size);
    if (e.kind == VcpuExit::Kind::IoOut) {
      if (!io.write(e.address, element))
        VMM_GUEST_LOG(spdlog::level::debug, "vCPU {}: write to unclaimed port {:#x}", vcpu, e.address);
    } else if (!io.read(e.address, element)) {
      std::memset(element.data(), 0xff, element.size());  // floating ISA bus
      VMM_GUEST_LOG(spdlog::level::debug, "vCPU {}: read from unclaimed port {:#x}", vcpu, e.address);
    }
  }
}

void mmio_access(const VcpuExit& e, ExitBuses buses, std::uint32_t vcpu) {
  Bus& mmio = buses.mmio;
  const bool write = e.kind == VcpuExit::Kind::MmioWrite;
  if (write ? mmio.write(e.address, e.data) : mmio.read(e.address, e.data)) return;
  if (buses.device_memory && buses.device_memory->access(e.address, e.data, write)) return;
  if (write) {
    VMM_GUEST_LOG(spdlog::level::debug, "vCPU {}: write to unclaimed MMIO {:#x}", vcpu, e.address);
  } else {
    std::memset(e.data.data(), 0xff, e.data.size());
    VMM_GUEST_LOG(spdlog::level::debug, "vCPU {}: read from unclaimed MMIO {:#x}", vcpu, e.address);
  }
}

ExitStop failure(std::string what) { return {kExitVmFailed, std::move(what), true}; }

}  // namespace

std::optional<ExitStop> dispatch_exit(const VcpuExit& e, ExitBuses buses, std::uint32_t vcpu) {
  switch (e.kind) {
    case VcpuExit::Kind::IoIn:
    case VcpuExit::Kind::IoOut:
      port_access(e, buses.io, vcpu);
      return std::nullopt;
    case VcpuExit::Kind::MmioRead:
    case VcpuExit::Kind::MmioWrite:
      mmio_access(e, buses, vcpu);
      return std::nullopt;
    case VcpuExit::Kind::Hlt:
      // Only reached without an in-kernel LAPIC; with one, KVM parks the vCPU itself.
      return ExitStop{0, fmt::format("vCPU {} executed HLT", vcpu), false};
    case VcpuExit::Kind::Shutdown:
      return failure("guest triple-faulted (KVM_EXIT_SHUTDOWN)");
    case VcpuExit::Kind::FailEntry:
      return failure(fmt::format(
          "KVM could not enter the guest (KVM_EXIT_FAIL_ENTRY, hardware reason {:#x})", e.code));
    case VcpuExit::Kind::InternalError: {
      std::string detail = fmt::format("KVM internal error, suberror {}", e.code);
      for (std::uint32_t i = 0; i < e.internal_count; ++i)
        detail += fmt::format(" data[{}]={:#x}", i, e.internal[i]);
      if (e.code == VcpuExit::kInternalErrorEmulation)
        detail +=
            ": KVM could not emulate an instruction (on kvm_pvm hosts ring-0 SSE, xrstor and "
            "int3/int n cannot be emulated)";
      return failure(detail);
    }
    case VcpuExit::Kind::SystemEvent: {
      const int status = e.code == VcpuExit::kSystemEventCrash ? kExitVmFailed : 0;
      return ExitStop{status,
                      fmt::format("guest requested {} (KVM_EXIT_SYSTEM_EVENT)", system_event_name(e.code)),
                      false};
    }
    case VcpuExit::Kind::Unknown:
      return failure(fmt::format("unhandled KVM exit reason {}", e.code));
  }
  return failure("unhandled exit kind");
}

}  // namespace vmm
