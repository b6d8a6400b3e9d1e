// KvmVcpu: one vCPU fd, its shared kvm_run page, and the register ioctls.
#pragma once

#include "vmm/kvm/kvm_uapi.h"

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "base/mapping.h"
#include "base/unique_fd.h"

namespace vmm {

class KvmVcpu {
 public:
  KvmVcpu(UniqueFd fd, std::uint32_t index, std::size_t mmap_size);
  KvmVcpu(KvmVcpu&& other) noexcept = default;
  KvmVcpu& operator=(KvmVcpu&&) = delete;
  KvmVcpu(const KvmVcpu&) = delete;

  std::uint32_t index() const { return index_; }
  kvm_run* run_data() const { return reinterpret_cast<kvm_run*>(run_.data()); }
  std::size_t run_size() const { return run_.size(); }

  // KVM_RUN. Returns 0 or errno (EINTR when a signal kicked the thread out).
  int run();

  kvm_regs regs() const;
  void set_regs(const kvm_regs& regs);
  kvm_sregs sregs() const;
  void set_sregs(const kvm_sregs& sregs);
  void set_cpuid(const std::vector<kvm_cpuid_entry2>& entries);
  // KVM_GET_TSC_KHZ: the guest TSC frequency, or 0 when KVM does not say.
  std::uint32_t tsc_khz() const;
  void set_msrs(const std::vector<std::pair<std::uint32_t, std::uint64_t>>& msrs);
  // KVM_GET_MSRS. KVM stops at the first MSR it refuses: the values of the MSRs before it
  // come back, the rest (and every one on an ioctl error) are nullopt.
  std::vector<std::optional<std::uint64_t>> msrs(const std::vector<std::uint32_t>& indices) const;
  // Makes the guest take an exception at its current instruction when it next runs
  // (KVM_GET/SET_VCPU_EVENTS), as KVM itself does with #UD for an instruction it cannot
  // emulate. Returns 0 or errno.
  int queue_exception(std::uint8_t vector);

 private:
  UniqueFd fd_;
  std::uint32_t index_;
  Mapping run_;  // the shared kvm_run page(s); unmapped before fd_ is closed
};

}  // namespace vmm
