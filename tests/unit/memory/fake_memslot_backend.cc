#include "tests/unit/memory/fake_memslot_backend.h"

#include <utility>

namespace vmm::testing {

AppliedFlags FakeMemslotBackend::describe(const MemslotRequest& request) const {
  // Mirror the real backend's rule for the one flag memory/ knows about.
  if (request.read_only) return {1u, "KVM_MEM_READONLY", "fake"};
  return {0u, "none", "fake"};
}

InstallResult FakeMemslotBackend::install(std::uint32_t slot, const MemslotRequest& request) {
  calls.push_back({Call::Install, slot, request.guest_addr, request.size});
  if (int error = std::exchange(fail_next_install, 0); error != 0) return {error, {}};
  installed[slot] = request.guest_addr;
  return {0, describe(request)};
}

int FakeMemslotBackend::uninstall(std::uint32_t slot, const Memslot& current) {
  calls.push_back({Call::Uninstall, slot, current.request.guest_addr, current.request.size});
  if (int error = std::exchange(fail_next_uninstall, 0); error != 0) return error;
  installed.erase(slot);
  return 0;
}

}  // namespace vmm::testing
