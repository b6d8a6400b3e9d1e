// MmapRegion: owns one mmap'd host mapping and unmaps it exactly once.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vmm {

class MmapRegion {
 public:
  // Anonymous private memory, reserved lazily: MAP_NORESERVE, and nothing is touched here,
  // so a guest with a large --mem costs host memory only for the pages it actually uses.
  // Throws std::system_error with the size in the message when the mapping fails.
  static MmapRegion anonymous(std::size_t size);

  MmapRegion() = default;
  MmapRegion(MmapRegion&& other) noexcept;
  MmapRegion& operator=(MmapRegion&& other) noexcept;
  MmapRegion(const MmapRegion&) = delete;
  MmapRegion& operator=(const MmapRegion&) = delete;
  ~MmapRegion();

  std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  MmapRegion(std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  void reset();

  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace vmm
