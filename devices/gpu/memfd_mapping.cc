#include "devices/gpu/memfd_mapping.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace vmm::gpu {

namespace {

[[noreturn]] void fail(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

}  // namespace

MemfdMapping MemfdMapping::create(const std::string& name, std::uint64_t size) {
  const int fd = memfd_create(name.c_str(), MFD_CLOEXEC);
  if (fd < 0) fail(errno, "memfd_create for " + name);
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) {
    const int error = errno;
    close(fd);
    fail(error, "cannot size the memfd of " + name + " to " + std::to_string(size) + " bytes");
  }
  void* data = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (data == MAP_FAILED) {
    const int error = errno;
    close(fd);
    fail(error, "cannot map the memfd of " + name);
  }
  return MemfdMapping(fd, static_cast<std::uint8_t*>(data), size);
}

MemfdMapping::MemfdMapping(MemfdMapping&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

MemfdMapping& MemfdMapping::operator=(MemfdMapping&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = std::exchange(other.fd_, -1);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

MemfdMapping::~MemfdMapping() { reset(); }

void MemfdMapping::reset() {
  if (data_ != nullptr) munmap(data_, size_);
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  data_ = nullptr;
  size_ = 0;
}

}  // namespace vmm::gpu
