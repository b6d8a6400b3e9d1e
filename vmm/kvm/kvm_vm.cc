#include "vmm/kvm/kvm_vm.h"

#include <sys/ioctl.h>

#include "memory/layout.h"
#include "vmm/kvm/kvm_error.h"
#include "vmm/kvm/kvm_system.h"

namespace vmm {

namespace {
// Intel VMX needs three pages for the real-mode TSS and one for the EPT identity map, in
// guest-physical space that is not RAM. The top of the MMIO hole below the BIOS area is
// never used by a device here.
constexpr std::uint64_t kTssAddress = 0xfffbd000;
constexpr std::uint64_t kIdentityMapAddress = 0xfffbc000;
}  // namespace

KvmVm::KvmVm(UniqueFd fd, const KvmSystem& system)
    : fd_(std::move(fd)), vcpu_mmap_size_(system.vcpu_mmap_size()) {}

int KvmVm::check_extension(long capability) const {
  int value = ioctl(fd_.get(), KVM_CHECK_EXTENSION, capability);
  return value < 0 ? 0 : value;
}

void KvmVm::create_irqchip_and_pit() {
  if (ioctl(fd_.get(), KVM_SET_TSS_ADDR, kTssAddress) < 0)
    throw KvmError("KVM_SET_TSS_ADDR", errno);
  std::uint64_t identity = kIdentityMapAddress;
  if (check_extension(KVM_CAP_SET_IDENTITY_MAP_ADDR) &&
      ioctl(fd_.get(), KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0)
    throw KvmError("KVM_SET_IDENTITY_MAP_ADDR", errno);
  if (ioctl(fd_.get(), KVM_CREATE_IRQCHIP, 0) < 0) throw KvmError("KVM_CREATE_IRQCHIP", errno);
  kvm_pit_config pit{};
  // Speaker dummy keeps port 0x61 in the kernel too; Linux reads it during timer calibration.
  pit.flags = KVM_PIT_SPEAKER_DUMMY;
  if (ioctl(fd_.get(), KVM_CREATE_PIT2, &pit) < 0) throw KvmError("KVM_CREATE_PIT2", errno);
}

int KvmVm::set_user_memory_region(const kvm_userspace_memory_region& region) {
  return ioctl(fd_.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0 ? errno : 0;
}

int KvmVm::set_irq_line(std::uint32_t irq, bool level) {
  kvm_irq_level line{};
  line.irq = irq;
  line.level = level ? 1 : 0;
  return ioctl(fd_.get(), KVM_IRQ_LINE, &line) < 0 ? errno : 0;
}

int KvmVm::signal_msi(std::uint64_t address, std::uint32_t data) {
  kvm_msi msi{};
  msi.address_lo = static_cast<std::uint32_t>(address);
  msi.address_hi = static_cast<std::uint32_t>(address >> 32);
  msi.data = data;
  const int delivered = ioctl(fd_.get(), KVM_SIGNAL_MSI, &msi);
  if (delivered < 0) return errno;
  return delivered == 0 ? ENOENT : 0;
}

void KvmVm::disable_quirks(std::uint64_t quirks) {
  kvm_enable_cap cap{};
  cap.cap = KVM_CAP_DISABLE_QUIRKS2;
  cap.args[0] = quirks;
  if (ioctl(fd_.get(), KVM_ENABLE_CAP, &cap) < 0)
    throw KvmError("KVM_ENABLE_CAP(KVM_CAP_DISABLE_QUIRKS2, " + std::to_string(quirks) + ")", errno);
}

int KvmVm::enable_exit_on_emulation_failure() {
  if (check_extension(KVM_CAP_EXIT_ON_EMULATION_FAILURE) <= 0) return EINVAL;
  kvm_enable_cap cap{};
  cap.cap = KVM_CAP_EXIT_ON_EMULATION_FAILURE;
  cap.args[0] = 1;
  return ioctl(fd_.get(), KVM_ENABLE_CAP, &cap) < 0 ? errno : 0;
}

KvmVcpu KvmVm::create_vcpu(std::uint32_t index) {
  int fd = ioctl(fd_.get(), KVM_CREATE_VCPU, index);
  if (fd < 0) throw KvmError("KVM_CREATE_VCPU " + std::to_string(index), errno);
  return KvmVcpu(UniqueFd(fd), index, vcpu_mmap_size_);
}

}  // namespace vmm
