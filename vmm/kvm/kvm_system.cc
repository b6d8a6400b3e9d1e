#include "vmm/kvm/kvm_system.h"

#include <fcntl.h>
#include <sys/ioctl.h>

#include "vmm/kvm/kvm_error.h"
#include "vmm/kvm/kvm_vm.h"

namespace vmm {

KvmSystem KvmSystem::open(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid()) throw KvmError("cannot open " + path, errno);
  int version = ioctl(fd.get(), KVM_GET_API_VERSION, 0);
  if (version != KVM_API_VERSION)
    throw std::runtime_error(path + " speaks KVM API version " + std::to_string(version) +
                             ", vmm needs " + std::to_string(KVM_API_VERSION));
  return KvmSystem(std::move(fd));
}

int KvmSystem::check_extension(long capability) const {
  int value = ioctl(fd_.get(), KVM_CHECK_EXTENSION, capability);
  return value < 0 ? 0 : value;
}

std::size_t KvmSystem::vcpu_mmap_size() const {
  int size = ioctl(fd_.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
  if (size <= 0) throw KvmError("KVM_GET_VCPU_MMAP_SIZE", errno);
  return static_cast<std::size_t>(size);
}

std::vector<kvm_cpuid_entry2> KvmSystem::supported_cpuid() const {
  // The kernel says E2BIG until the buffer is large enough; grow until it fits.
  for (std::uint32_t capacity = 64; capacity <= 4096; capacity *= 2) {
    std::vector<std::uint8_t> buffer(sizeof(kvm_cpuid2) + capacity * sizeof(kvm_cpuid_entry2));
    auto* cpuid = reinterpret_cast<kvm_cpuid2*>(buffer.data());
    cpuid->nent = capacity;
    if (ioctl(fd_.get(), KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
      return {cpuid->entries, cpuid->entries + cpuid->nent};
    if (errno != E2BIG) throw KvmError("KVM_GET_SUPPORTED_CPUID", errno);
  }
  throw std::runtime_error("KVM_GET_SUPPORTED_CPUID: more than 4096 leaves");
}

KvmVm KvmSystem::create_vm() const {
  int vm = ioctl(fd_.get(), KVM_CREATE_VM, 0);
  if (vm < 0) throw KvmError("KVM_CREATE_VM", errno);
  return KvmVm(UniqueFd(vm), *this);
}

}  // namespace vmm
