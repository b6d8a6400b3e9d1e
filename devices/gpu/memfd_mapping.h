// MemfdMapping: host memory for one HOST3D blob — a memfd of the blob's size and one shared
// mapping of it. The fd is kept open: the memslot request names it (FileBacking) and the
// fixed mapping mode mmaps it a second time into the host-visible reservation. Owns both,
// closes and unmaps exactly once.
#pragma once

#include <cstdint>
#include <string>

namespace vmm::gpu {

class MemfdMapping {
 public:
  // memfd_create(name) + ftruncate(size) + mmap(MAP_SHARED). The pages are allocated as
  // the guest or the host touches them. Throws std::system_error naming the step.
  static MemfdMapping create(const std::string& name, std::uint64_t size);

  MemfdMapping() = default;
  MemfdMapping(MemfdMapping&& other) noexcept;
  MemfdMapping& operator=(MemfdMapping&& other) noexcept;
  MemfdMapping(const MemfdMapping&) = delete;
  MemfdMapping& operator=(const MemfdMapping&) = delete;
  ~MemfdMapping();

  int fd() const { return fd_; }
  std::uint8_t* data() const { return data_; }
  std::uint64_t size() const { return size_; }

 private:
  MemfdMapping(int fd, std::uint8_t* data, std::uint64_t size)
      : fd_(fd), data_(data), size_(size) {}
  void reset();

  int fd_ = -1;
  std::uint8_t* data_ = nullptr;
  std::uint64_t size_ = 0;
};

}  // namespace vmm::gpu
