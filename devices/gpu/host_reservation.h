// HostReservation: the host address range behind the whole host-visible region in the
// `fixed` blob mapping mode. It starts as anonymous, lazily allocated memory (reading zeros);
// a mapped blob's memfd replaces a sub-range with MAP_FIXED, and unmapping puts fresh
// anonymous memory back, so KVM's single memslot over the range follows without being
// touched. Owns the range and unmaps it exactly once.
#pragma once

#include <cstdint>

namespace vmm::gpu {

class HostReservation {
 public:
  // Throws std::system_error when the address space cannot be reserved.
  static HostReservation anonymous(std::uint64_t size);

  HostReservation() = default;
  HostReservation(HostReservation&& other) noexcept;
  HostReservation& operator=(HostReservation&& other) noexcept;
  HostReservation(const HostReservation&) = delete;
  HostReservation& operator=(const HostReservation&) = delete;
  ~HostReservation();

  std::uint8_t* data() const { return data_; }
  std::uint64_t size() const { return size_; }

  // Both take a page-aligned range inside the reservation (checked; EINVAL otherwise) and
  // return 0 or an errno.
  int map_file(std::uint64_t offset, std::uint64_t length, int fd);  // MAP_SHARED|MAP_FIXED
  int clear(std::uint64_t offset, std::uint64_t length);  // back to anonymous zeros

 private:
  HostReservation(std::uint8_t* data, std::uint64_t size) : data_(data), size_(size) {}
  bool inside(std::uint64_t offset, std::uint64_t length) const;
  void reset();

  std::uint8_t* data_ = nullptr;
  std::uint64_t size_ = 0;
};

}  // namespace vmm::gpu
