// MemfdMapping: host memory for one HOST3D blob — a memfd of the blob's size and one shared
// mapping of it. The fd is kept open: the memslot request names it (FileBacking) and the
// fixed mapping mode maps it a second time into the host-visible reservation. Both are
// owned by base/ owners, so each is closed and unmapped exactly once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/mapping.h"
#include "base/unique_fd.h"
#include "memory/host_memory_lease.h"

namespace vmm::gpu {

// Host memory behind one blob as the host-visible region maps it: a page-aligned range of
// vmm's address space, and the fd it is a mapping of when there is one (memfd blobs; a
// renderer's mapped buffers have none), and what keeps it alive: the memslot that maps it
// holds `owner` until the hypervisor has let the slot go, which may be after the resource is
// gone (a removal KVM refused).
struct BlobMemory {
  std::uint8_t* data = nullptr;
  std::uint64_t size = 0;
  int fd = -1;
  HostMemoryLease owner;
};

class MemfdMapping {
 public:
  // memfd_create(name) + ftruncate(size) + mmap(MAP_SHARED). The pages are allocated as
  // the guest or the host touches them. Throws std::system_error naming the step.
  static MemfdMapping create(const std::string& name, std::uint64_t size);

  MemfdMapping() = default;

  int fd() const { return fd_.get(); }
  // The memory of `self`, leased by sharing `self`.
  static BlobMemory memory(const std::shared_ptr<MemfdMapping>& self) {
    return {self->data(), self->size(), self->fd(), self};
  }
  std::uint8_t* data() const { return mapping_.data(); }
  std::uint64_t size() const { return mapping_.size(); }

 private:
  MemfdMapping(UniqueFd fd, Mapping mapping) : fd_(std::move(fd)), mapping_(std::move(mapping)) {}

  UniqueFd fd_;
  Mapping mapping_;  // declared after fd_: unmapped before the fd is closed
};

}  // namespace vmm::gpu
