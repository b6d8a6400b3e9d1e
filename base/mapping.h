// Mapping: owns one mmap'd host range and unmaps it exactly once. Every mapping vmm makes
// (guest RAM, a 2D resource's image, a blob's memfd, the host-visible reservation, a vCPU's
// kvm_run page) is one of these; nothing else calls munmap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace vmm {

class Mapping {
 public:
  // Anonymous private memory, reserved lazily (MAP_NORESERVE; nothing is touched here), so
  // a large mapping costs host memory only for the pages that are used. Throws
  // std::system_error "cannot map <size> bytes of <what>" on failure.
  static Mapping anonymous(std::size_t size, const std::string& what);
  // `size` bytes of `fd` from `file_offset` (a multiple of the page size), shared
  // (MAP_SHARED): a memfd's pages, kvm_run, a renderer's blob.
  static Mapping shared(int fd, std::size_t size, const std::string& what, std::uint64_t file_offset = 0);

  Mapping() = default;
  Mapping(Mapping&& other) noexcept;
  Mapping& operator=(Mapping&& other) noexcept;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping();

  std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }

  // Replace a page-aligned sub-range in place (MAP_FIXED), keeping the whole range owned:
  // with `fd`'s pages from offset 0 (shared), or with fresh anonymous zeros. 0 or an errno;
  // EINVAL for a range that is not page-aligned and inside.
  int replace_with_file(std::size_t offset, std::size_t length, int fd);
  int replace_with_zeros(std::size_t offset, std::size_t length);

 private:
  Mapping(std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool inside(std::size_t offset, std::size_t length) const;
  void reset();

  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace vmm
