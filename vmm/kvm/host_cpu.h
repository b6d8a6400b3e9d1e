// HostCpu: what the cpuid instruction says about the CPU vmm itself runs on. Kept as raw
// registers, so unit tests can play any CPU, with the few facts vmm needs read from them.
#pragma once

#include <cstdint>
#include <string>

namespace vmm {

struct HostCpu {
  std::string vendor_id;           // CPUID.0: EBX EDX ECX, e.g. "GenuineIntel"
  std::uint32_t leaf1_edx = 0;     // CPUID.01H:EDX
  std::uint32_t leaf1_ecx = 0;     // CPUID.01H:ECX
  std::uint32_t ext1_ecx = 0;      // CPUID.80000001H:ECX
  std::string hypervisor;          // CPUID.40000000H signature when ECX[31] says there is one

  bool self_snoop() const { return (leaf1_edx & (1u << 27)) != 0; }
  bool vmx() const { return (leaf1_ecx & (1u << 5)) != 0; }
  bool svm() const { return (ext1_ecx & (1u << 2)) != 0; }
  bool under_hypervisor() const { return (leaf1_ecx & (1u << 31)) != 0; }
  // QEMU's TCG announces itself as "TCGTCGTCGTCG". It emulates the CPU instruction by
  // instruction and models no caches: every memory type then costs the same.
  bool emulated() const { return hypervisor == "TCGTCGTCGTCG"; }
  // "QEMU TCG" for the emulator, else the signature as given ("KVMKVMKVM", "bhyve bhyve").
  std::string hypervisor_name() const;
};

HostCpu read_host_cpu();  // the real CPU, through the cpuid instruction

}  // namespace vmm
