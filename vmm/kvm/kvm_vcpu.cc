#include "vmm/kvm/kvm_vcpu.h"

#include <sys/ioctl.h>

#include <algorithm>
#include <cstdio>

#include "vmm/kvm/kvm_error.h"

namespace vmm {

KvmVcpu::KvmVcpu(UniqueFd fd, std::uint32_t index, std::size_t mmap_size)
    : fd_(std::move(fd)),
      index_(index),
      run_(Mapping::shared(fd_.get(), mmap_size, "kvm_run for vCPU " + std::to_string(index))) {}

int KvmVcpu::run() { return ioctl(fd_.get(), KVM_RUN, 0) < 0 ? errno : 0; }

namespace {

// The vCPU's register state goes through one KVM_GET_* / KVM_SET_* pair per kind (general,
// segment); a refusal is a KvmError naming the request.
template <typename State>
State get_state(int fd, unsigned long request, const char* name) {
  State state{};
  if (ioctl(fd, request, &state) < 0) throw KvmError(name, errno);
  return state;
}

template <typename State>
void set_state(int fd, unsigned long request, const char* name, const State& state) {
  if (ioctl(fd, request, &state) < 0) throw KvmError(name, errno);
}

}  // namespace

kvm_regs KvmVcpu::regs() const { return get_state<kvm_regs>(fd_.get(), KVM_GET_REGS, "KVM_GET_REGS"); }

void KvmVcpu::set_regs(const kvm_regs& regs) { set_state(fd_.get(), KVM_SET_REGS, "KVM_SET_REGS", regs); }

kvm_sregs KvmVcpu::sregs() const {
  return get_state<kvm_sregs>(fd_.get(), KVM_GET_SREGS, "KVM_GET_SREGS");
}

void KvmVcpu::set_sregs(const kvm_sregs& sregs) {
  set_state(fd_.get(), KVM_SET_SREGS, "KVM_SET_SREGS", sregs);
}

void KvmVcpu::set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) {
  std::vector<std::uint8_t> buffer(sizeof(kvm_cpuid2) + entries.size() * sizeof(kvm_cpuid_entry2));
  auto* cpuid = reinterpret_cast<kvm_cpuid2*>(buffer.data());
  cpuid->nent = static_cast<std::uint32_t>(entries.size());
  std::copy(entries.begin(), entries.end(), cpuid->entries);
  if (ioctl(fd_.get(), KVM_SET_CPUID2, cpuid) < 0) throw KvmError("KVM_SET_CPUID2", errno);
}

std::uint32_t KvmVcpu::tsc_khz() const {
  const int khz = ioctl(fd_.get(), KVM_GET_TSC_KHZ, 0);
  return khz > 0 ? static_cast<std::uint32_t>(khz) : 0;
}

void KvmVcpu::set_msrs(const std::vector<std::pair<std::uint32_t, std::uint64_t>>& msrs) {
  std::vector<std::uint8_t> buffer(sizeof(kvm_msrs) + msrs.size() * sizeof(kvm_msr_entry));
  auto* list = reinterpret_cast<kvm_msrs*>(buffer.data());
  list->nmsrs = static_cast<std::uint32_t>(msrs.size());
  for (std::size_t i = 0; i < msrs.size(); ++i) {
    list->entries[i].index = msrs[i].first;
    list->entries[i].data = msrs[i].second;
  }
  int written = ioctl(fd_.get(), KVM_SET_MSRS, list);
  if (written < 0) throw KvmError("KVM_SET_MSRS", errno);
  // KVM_SET_MSRS stops at the first MSR it refuses and returns how many it set.
  if (static_cast<std::size_t>(written) != msrs.size()) {
    char index[16];
    std::snprintf(index, sizeof index, "0x%x", msrs[written].first);
    throw std::runtime_error(std::string("KVM_SET_MSRS: KVM refused MSR ") + index);
  }
}

std::vector<std::optional<std::uint64_t>> KvmVcpu::msrs(const std::vector<std::uint32_t>& indices) const {
  std::vector<std::uint8_t> buffer(sizeof(kvm_msrs) + indices.size() * sizeof(kvm_msr_entry));
  auto* list = reinterpret_cast<kvm_msrs*>(buffer.data());
  list->nmsrs = static_cast<std::uint32_t>(indices.size());
  for (std::size_t i = 0; i < indices.size(); ++i) list->entries[i].index = indices[i];
  const int read = ioctl(fd_.get(), KVM_GET_MSRS, list);
  std::vector<std::optional<std::uint64_t>> values(indices.size());
  for (std::size_t i = 0; read > 0 && i < static_cast<std::size_t>(read) && i < indices.size(); ++i)
    values[i] = list->entries[i].data;
  return values;
}

int KvmVcpu::queue_exception(std::uint8_t vector) {
  kvm_vcpu_events events{};
  if (ioctl(fd_.get(), KVM_GET_VCPU_EVENTS, &events) < 0) return errno;
  events.exception.injected = 1;
  events.exception.nr = vector;
  events.exception.has_error_code = 0;
  events.exception.error_code = 0;
  events.flags = 0;  // change nothing else (NMI, SIPI, shadow) that the flags would select
  return ioctl(fd_.get(), KVM_SET_VCPU_EVENTS, &events) < 0 ? errno : 0;
}

}  // namespace vmm
