// The host probe: fills HostFacts from the CPU, the loaded KVM module and KVM itself.
// KVM is reached through KvmProbeTarget so unit tests can play any host (ChromeOS Intel,
// upstream Intel with the quirk, AMD, PVM, a kernel where cap 236 means something else).
#pragma once

#include <cstdint>
#include <string>

#include "vmm/kvm/host_cpu.h"
#include "vmm/kvm/host_facts.h"

namespace vmm {

class KvmProbeTarget {
 public:
  virtual ~KvmProbeTarget() = default;
  virtual int check_extension(long capability) = 0;
  // Installs a one-page scratch memslot with `flags` and removes it again; 0 or errno.
  virtual int try_memslot_flags(std::uint32_t flags) = 0;
};

// `flavour` comes from the host environment (kvm_flavour): which module serves /dev/kvm;
// `tdp` too (kvm_uses_tdp): whether that module uses EPT/NPT.
HostFacts probe_host(KvmProbeTarget& kvm, const HostCpu& cpu, KvmFlavour flavour, bool tdp = false);

}  // namespace vmm
