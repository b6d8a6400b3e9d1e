// What a vCPU does about one exit: a port or MMIO access goes to its bus (an unclaimed
// read answers 0xff bytes, as an empty bus would; an unclaimed write is dropped), anything
// else ends the VM with a stop that says why. A plain function of the decoded exit, so
// every exit kind is unit-tested without KVM.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "devices/bus.h"
#include "vmm/kvm/vcpu_exit.h"

namespace vmm {

struct ExitStop {
  int exit_status;
  std::string what;  // "guest triple-faulted (KVM_EXIT_SHUTDOWN)"
  bool failure;      // the VM failed (the vCPU's registers belong in the message)
};

// Guest-physical memory behind device memslots that KVM does not map (yet): a slot waiting
// for its first touch, or one that went live while KVM was emulating an instruction on it.
// An MMIO access no bus device claims is offered here before it reads as 0xff.
class DeviceMemory {
 public:
  virtual ~DeviceMemory() = default;
  // False when no device slot holds `gpa`.
  virtual bool access(std::uint64_t gpa, std::span<std::uint8_t> data, bool is_write) = 0;
};

struct ExitBuses {
  Bus& io;
  Bus& mmio;
  DeviceMemory* device_memory = nullptr;
};

// Carries `exit` out; nullopt means "run the vCPU again".
std::optional<ExitStop> dispatch_exit(const VcpuExit& exit, ExitBuses buses, std::uint32_t vcpu_index);

}  // namespace vmm
