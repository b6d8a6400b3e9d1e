#include "base/mapping.h"

#include <sys/mman.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include "base/page.h"

namespace vmm {

namespace {
constexpr int kAnonymousFlags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;

[[noreturn]] void fail(std::size_t size, const std::string& what) {
  throw std::system_error(errno, std::generic_category(),
                          "cannot map " + std::to_string(size) + " bytes of " + what);
}
}  // namespace

Mapping Mapping::anonymous(std::size_t size, const std::string& what) {
  void* data = mmap(nullptr, size, PROT_READ | PROT_WRITE, kAnonymousFlags, -1, 0);
  if (data == MAP_FAILED) fail(size, what);
  return Mapping(static_cast<std::uint8_t*>(data), size);
}

Mapping Mapping::shared(int fd, std::size_t size, const std::string& what, std::uint64_t file_offset) {
  void* data = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(file_offset));
  if (data == MAP_FAILED) fail(size, what);
  return Mapping(static_cast<std::uint8_t*>(data), size);
}

Mapping::Mapping(Mapping&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

Mapping& Mapping::operator=(Mapping&& other) noexcept {
  if (this != &other) {
    reset();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

Mapping::~Mapping() { reset(); }

bool Mapping::inside(std::size_t offset, std::size_t length) const {
  return data_ != nullptr && length != 0 && offset % kPageSize == 0 && length % kPageSize == 0 &&
         offset <= size_ && length <= size_ - offset;
}

int Mapping::replace_with_file(std::size_t offset, std::size_t length, int fd) {
  if (!inside(offset, length)) return EINVAL;
  void* at = mmap(data_ + offset, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
  return at == MAP_FAILED ? errno : 0;
}

int Mapping::replace_with_zeros(std::size_t offset, std::size_t length) {
  if (!inside(offset, length)) return EINVAL;
  void* at = mmap(data_ + offset, length, PROT_READ | PROT_WRITE, kAnonymousFlags | MAP_FIXED, -1, 0);
  return at == MAP_FAILED ? errno : 0;
}

void Mapping::reset() {
  if (data_ != nullptr) munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

}  // namespace vmm
