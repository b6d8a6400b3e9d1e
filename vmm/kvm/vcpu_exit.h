// VcpuExit: why KVM_RUN returned, decoded once from kvm_run into a small value, so that
// what to do about it (vmm/run/exit_dispatch) is a plain function, testable with made-up
// exits. Port and MMIO data stay in kvm_run (`data` points there): the dispatcher reads a
// write's bytes from it and fills a read's bytes into it before the next KVM_RUN.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "base/enum_names.h"

struct kvm_run;

namespace vmm {

struct VcpuExit {
  enum class Kind {
    IoIn,           // port read: fill `data` (count elements of `size` bytes)
    IoOut,          // port write: `data` holds count elements of `size` bytes
    MmioRead,       // fill `data` from guest-physical `address`
    MmioWrite,      // `data` was written to `address`
    Hlt,            // HLT without an in-kernel LAPIC
    Shutdown,       // triple fault
    FailEntry,      // KVM could not enter the guest: `code` = hardware reason
    InternalError,  // KVM gave up: `code` = suberror, `internal` its data words
    SystemEvent,    // the guest asked for shutdown/reset/crash: `code` = the type
    Unknown,        // any other exit, or one whose data lies outside kvm_run: `code`
  };
  static constexpr std::uint32_t kSystemEventShutdown = 1, kSystemEventReset = 2,
                                 kSystemEventCrash = 3;  // KVM_SYSTEM_EVENT_*
  static constexpr std::uint32_t kInternalErrorEmulation = 1;  // KVM_INTERNAL_ERROR_EMULATION

  Kind kind = Kind::Unknown;
  std::uint64_t address = 0;       // the port, or the guest-physical address
  std::uint32_t size = 0;          // I/O: bytes per element
  std::uint32_t count = 0;         // I/O: elements (`rep ins/outs` packs several)
  std::span<std::uint8_t> data;    // I/O and MMIO bytes, inside kvm_run
  std::uint64_t code = 0;          // see Kind
  std::array<std::uint64_t, 16> internal;  // the first internal_count are set (not zeroed: hot path)
  std::uint32_t internal_count = 0;
};

inline constexpr EnumNames<VcpuExit::Kind, 10> kVcpuExitKindNames({{
    {VcpuExit::Kind::IoIn, "io-in"},
    {VcpuExit::Kind::IoOut, "io-out"},
    {VcpuExit::Kind::MmioRead, "mmio-read"},
    {VcpuExit::Kind::MmioWrite, "mmio-write"},
    {VcpuExit::Kind::Hlt, "hlt"},
    {VcpuExit::Kind::Shutdown, "shutdown"},
    {VcpuExit::Kind::FailEntry, "fail-entry"},
    {VcpuExit::Kind::InternalError, "internal-error"},
    {VcpuExit::Kind::SystemEvent, "system-event"},
    {VcpuExit::Kind::Unknown, "unknown"},
}});
std::string_view to_string(VcpuExit::Kind kind);

// Decodes `run`, whose mapping is `run_size` bytes: an I/O exit whose data would lie
// outside it decodes as Unknown rather than pointing anywhere else.
VcpuExit decode_exit(kvm_run& run, std::size_t run_size);

}  // namespace vmm
