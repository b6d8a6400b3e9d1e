// The host probe: fills HostFacts from the CPU, the loaded KVM module and KVM itself.
// KVM is reached through KvmProbeTarget so unit tests can play any host (ChromeOS Intel,
// upstream Intel with the quirk, AMD, PVM, a kernel where cap 236 means something else).
#pragma once

#include <cstdint>
#include <string>

#include "vmm/kvm/host_facts.h"
#include "vmm/kvm/kvm_module.h"

namespace vmm {

class KvmProbeTarget {
 public:
  virtual ~KvmProbeTarget() = default;
  virtual int check_extension(long capability) = 0;
  // Installs a one-page scratch memslot with `flags` and removes it again; 0 or errno.
  virtual int try_memslot_flags(std::uint32_t flags) = 0;
};

struct HostCpu {
  std::string vendor_id;  // CPUID.0: EBX EDX ECX
  std::uint32_t leaf1_edx = 0;
};

HostCpu read_host_cpu();  // the real CPU, through the cpuid instruction

HostFacts probe_host(KvmProbeTarget& kvm, const HostCpu& cpu, KvmModule module);

}  // namespace vmm
