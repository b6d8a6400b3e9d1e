// A MemslotBackend that records what it was asked and can be told to fail, standing in for
// KVM in unit tests.
#pragma once

#include <map>
#include <vector>

#include "memory/memslot_backend.h"

namespace vmm::testing {

class FakeMemslotBackend : public MemslotBackend {
 public:
  struct Call {
    enum Kind { Install, Uninstall } kind;
    std::uint32_t slot;
    std::uint64_t guest_addr;
    std::uint64_t size;
  };

  explicit FakeMemslotBackend(std::uint32_t limit = 32) : limit_(limit) {}

  std::uint32_t slot_limit() const override { return limit_; }
  AppliedFlags describe(const MemslotRequest& request) const override;
  InstallResult install(std::uint32_t slot, const MemslotRequest& request) override;
  int uninstall(std::uint32_t slot, const Memslot& current) override;

  // The hypervisor's view: slot number -> guest address, as a real KVM would hold it.
  std::map<std::uint32_t, std::uint64_t> installed;
  std::vector<Call> calls;
  int fail_next_install = 0;  // errno to return once
  int fail_next_uninstall = 0;

 private:
  std::uint32_t limit_;
};

}  // namespace vmm::testing
