#include "devices/gpu/host_reservation.h"

#include <sys/mman.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

namespace vmm::gpu {

namespace {

constexpr std::uint64_t kPageSize = 4096;
constexpr int kAnonymousFlags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;

}  // namespace

HostReservation HostReservation::anonymous(std::uint64_t size) {
  void* data = mmap(nullptr, size, PROT_READ | PROT_WRITE, kAnonymousFlags, -1, 0);
  if (data == MAP_FAILED)
    throw std::system_error(errno, std::generic_category(),
                            "cannot reserve " + std::to_string(size) +
                                " bytes for the gpu host-visible region");
  return HostReservation(static_cast<std::uint8_t*>(data), size);
}

HostReservation::HostReservation(HostReservation&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

HostReservation& HostReservation::operator=(HostReservation&& other) noexcept {
  if (this != &other) {
    reset();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

HostReservation::~HostReservation() { reset(); }

bool HostReservation::inside(std::uint64_t offset, std::uint64_t length) const {
  return data_ != nullptr && length != 0 && offset % kPageSize == 0 &&
         length % kPageSize == 0 && offset <= size_ && length <= size_ - offset;
}

int HostReservation::map_file(std::uint64_t offset, std::uint64_t length, int fd) {
  if (!inside(offset, length)) return EINVAL;
  void* at = mmap(data_ + offset, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
  return at == MAP_FAILED ? errno : 0;
}

int HostReservation::clear(std::uint64_t offset, std::uint64_t length) {
  if (!inside(offset, length)) return EINVAL;
  void* at = mmap(data_ + offset, length, PROT_READ | PROT_WRITE, kAnonymousFlags | MAP_FIXED,
                  -1, 0);
  return at == MAP_FAILED ? errno : 0;
}

void HostReservation::reset() {
  if (data_ != nullptr) munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

}  // namespace vmm::gpu
