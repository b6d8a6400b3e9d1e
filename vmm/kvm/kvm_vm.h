// KvmVm: one VM fd and the VM-wide ioctls vmm needs. vCPUs are created from it.
#pragma once

#include "vmm/kvm/kvm_uapi.h"

#include <cstdint>

#include "vmm/kvm/kvm_vcpu.h"
#include "base/unique_fd.h"

namespace vmm {

class KvmSystem;

class KvmVm {
 public:
  KvmVm(UniqueFd fd, const KvmSystem& system);

  // KVM_CHECK_EXTENSION on the VM fd (answers can differ per VM type).
  int check_extension(long capability) const;

  // In-kernel LAPIC/IOAPIC/PIC and the i8254 PIT: Linux needs a timer and an interrupt
  // controller, and doing them in the kernel keeps them off the exit path.
  void create_irqchip_and_pit();

  // KVM_SET_USER_MEMORY_REGION. Returns 0 or errno: callers decide what a refusal means.
  int set_user_memory_region(const kvm_userspace_memory_region& region);

  // Drives a GSI of the in-kernel irqchip. Returns 0 or errno.
  int set_irq_line(std::uint32_t irq, bool level);

  // KVM_SIGNAL_MSI. Returns 0 when delivered, else errno (or ENOENT when the guest had it
  // masked/blocked: KVM returns 0 for "not delivered").
  int signal_msi(std::uint64_t address, std::uint32_t data);

  // KVM_ENABLE_CAP(KVM_CAP_DISABLE_QUIRKS2, quirks). Throws KvmError when refused.
  void disable_quirks(std::uint64_t quirks);

  // KVM_ENABLE_CAP(KVM_CAP_EXIT_ON_EMULATION_FAILURE): an instruction KVM cannot emulate
  // comes back to vmm as KVM_EXIT_INTERNAL_ERROR at every privilege level, instead of KVM
  // injecting #UD into guest user space. Returns 0 or errno (EINVAL: KVM lacks the cap).
  int enable_exit_on_emulation_failure();

  KvmVcpu create_vcpu(std::uint32_t index);
  int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
  std::size_t vcpu_mmap_size_;
};

}  // namespace vmm
