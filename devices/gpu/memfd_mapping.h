// MemfdMapping: host memory for one HOST3D blob — a memfd of the blob's size and one shared
// mapping of it. The fd is kept open: the memslot request names it (FileBacking) and the
// fixed mapping mode maps it a second time into the host-visible reservation. Both are
// owned by base/ owners, so each is closed and unmapped exactly once.
#pragma once

#include <cstdint>
#include <string>

#include "base/mapping.h"
#include "base/unique_fd.h"

namespace vmm::gpu {

class MemfdMapping {
 public:
  // memfd_create(name) + ftruncate(size) + mmap(MAP_SHARED). The pages are allocated as
  // the guest or the host touches them. Throws std::system_error naming the step.
  static MemfdMapping create(const std::string& name, std::uint64_t size);

  MemfdMapping() = default;

  int fd() const { return fd_.get(); }
  std::uint8_t* data() const { return mapping_.data(); }
  std::uint64_t size() const { return mapping_.size(); }

 private:
  MemfdMapping(UniqueFd fd, Mapping mapping) : fd_(std::move(fd)), mapping_(std::move(mapping)) {}

  UniqueFd fd_;
  Mapping mapping_;  // declared after fd_: unmapped before the fd is closed
};

}  // namespace vmm::gpu
