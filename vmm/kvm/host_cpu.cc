#include "vmm/kvm/host_cpu.h"

#include <cpuid.h>

#include <cstring>
#include <initializer_list>

namespace vmm {

namespace {
std::string register_string(std::initializer_list<unsigned> regs) {
  std::string s;
  for (unsigned r : regs) {
    char bytes[4];
    std::memcpy(bytes, &r, 4);
    s.append(bytes, 4);
  }
  return s.substr(0, s.find('\0'));
}
}  // namespace

std::string HostCpu::hypervisor_name() const {
  if (emulated()) return "QEMU TCG";
  const auto end = hypervisor.find_last_not_of(' ');
  return end == std::string::npos ? hypervisor : hypervisor.substr(0, end + 1);
}

HostCpu read_host_cpu() {
  HostCpu cpu;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(0, &eax, &ebx, &ecx, &edx)) cpu.vendor_id = register_string({ebx, edx, ecx});
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) cpu.leaf1_edx = edx, cpu.leaf1_ecx = ecx;
  if (__get_cpuid(0x80000001u, &eax, &ebx, &ecx, &edx)) cpu.ext1_ecx = ecx;
  if (cpu.under_hypervisor()) {
    // The hypervisor range is outside what __get_cpuid checks against leaf 0's maximum.
    __cpuid(0x40000000u, eax, ebx, ecx, edx);
    cpu.hypervisor = register_string({ebx, ecx, edx});
  }
  return cpu;
}

}  // namespace vmm
