#include "vmm/run/first_touch.h"

#include <spdlog/spdlog.h>

#include "base/guest_log.h"

namespace vmm {

namespace {
// kvm_run.emulation_failure (KVM_INTERNAL_ERROR_EMULATION): data[0] holds flags, then the
// instruction bytes (two words) when this flag is set, then the exit reason, info1, info2,
// interrupt info and error code (prepare_emulation_failure_exit in Linux's x86.c).
constexpr std::uint64_t kFlagInstructionBytes = 1;  // KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES
constexpr std::uint64_t kSvmExitNpf = 0x400;
constexpr std::uint8_t kInvalidOpcode = 6;  // #UD
}  // namespace

MemslotTable::FirstTouch FirstTouch::derive() const {
  if (deriver_ == nullptr) return nullptr;
  return [this](const Memslot& slot, std::uint64_t gpa) { deriver_->at_first_touch(vcpu_, slot, gpa); };
}

bool FirstTouch::access(std::uint64_t gpa, std::span<std::uint8_t> data, bool is_write) {
  const auto result = table_.serve_device_access(gpa, data, is_write, derive());
  if (!result.install_error.empty())
    VMM_GUEST_LOG(spdlog::level::warn, "vCPU {}: {}; the slot's accesses go on exiting to vmm", vcpu_.index(),
                  result.install_error);
  return result.served;
}

std::optional<std::uint64_t> FirstTouch::faulting_gpa(const VcpuExit& exit, KvmFlavour flavour) {
  if (flavour != KvmFlavour::HardwareSvm || exit.internal_count < 1) return std::nullopt;
  const std::uint32_t info = (exit.internal[0] & kFlagInstructionBytes) ? 3 : 1;
  if (exit.internal_count < info + 3) return std::nullopt;
  if ((exit.internal[info] & 0xffffffffu) != kSvmExitNpf) return std::nullopt;
  return exit.internal[info + 2];
}

bool FirstTouch::emulation_failure(const VcpuExit& exit, KvmVcpu& vcpu) {
  if (table_.has_pending()) {
    // The access that failed to emulate is most likely a first touch: install the slot it
    // hit, or every pending slot when the exit does not say where it was.
    if (table_.install_pending(faulting_gpa(exit, flavour_), derive()) > 0) return true;
  }
  if (!emulation_exits_) return false;
  // Nothing was pending: a real emulation failure, which reached vmm only because vmm asked
  // for them all. Do what KVM does without that request: #UD in guest user space, a failure
  // of the VM in the guest kernel.
  try {
    if ((vcpu.sregs().cs.selector & 3) == 0) return false;
  } catch (const std::exception&) {
    return false;
  }
  if (const int error = vcpu.queue_exception(kInvalidOpcode); error != 0) return false;
  VMM_GUEST_LOG(spdlog::level::debug, "vCPU {}: KVM could not emulate a user-space instruction; the guest gets #UD",
                vcpu.index());
  return true;
}

}  // namespace vmm
