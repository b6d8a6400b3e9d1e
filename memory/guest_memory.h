// GuestMemory: the guest's RAM, and the only way host code touches it.
//
// RAM is one mapping per guest-physical range: `ram-low` from 0 up to the MMIO hole, and
// `ram-high` from 4 GiB when --mem is larger than the hole's start. Anonymous memory, or,
// when it must be shared with another process (the GPU renderer process reads and writes the
// guest's resource backing in place), a memfd per range mapped shared. Every access
// is by guest-physical address and bounds-checked against those ranges, with overflow-safe
// arithmetic: an address or length the guest made up yields an error value (false /
// nullopt), never undefined behaviour and never a touch outside guest RAM.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "base/mapping.h"
#include "base/unique_fd.h"

namespace vmm {

struct RamRange {
  std::uint64_t guest_addr;
  std::uint64_t size;
  std::uint8_t* host;  // start of the host mapping backing this range
  std::string owner;   // "ram-low", "ram-high": the memslot owner label
  int fd = -1;         // the memfd behind it when the memory is shareable, else -1

  std::uint64_t end() const { return guest_addr + size; }
};

class GuestMemory {
 public:
  // Splits `ram_size` bytes around the MMIO hole (see memory/layout.h). Throws
  // std::invalid_argument for sizes below layout::kMinRamSize or not a multiple of 4 KiB,
  // std::system_error if the host cannot reserve the address space.
  enum class Backing { Anonymous, Shareable };
  static GuestMemory create(std::uint64_t ram_size, Backing backing = Backing::Anonymous);

  // Builds from explicit ranges (sorted, non-overlapping, each page-aligned). For tests
  // and for layouts that are not the default.
  struct RangeSpec {
    std::uint64_t guest_addr;
    std::uint64_t size;
    std::string owner;
  };
  static GuestMemory from_ranges(const std::vector<RangeSpec>& specs,
                                 Backing backing = Backing::Anonymous);

  const std::vector<RamRange>& ranges() const { return ranges_; }
  std::uint64_t total_size() const;

  // A host view of [gpa, gpa+len) if the whole span lies inside one RAM range.
  // len == 0 is valid at any address inside or at the end of a range.
  std::optional<std::span<std::uint8_t>> span(std::uint64_t gpa, std::uint64_t len) const;

  // True if [gpa, gpa+len) lies inside one RAM range.
  bool contains(std::uint64_t gpa, std::uint64_t len) const;

  // Copy to/from guest RAM. A span crossing from one range into another contiguous range
  // is not split: guest buffers that cross the hole are refused like any other bad address.
  [[nodiscard]] bool read(std::uint64_t gpa, std::span<std::uint8_t> out) const;
  [[nodiscard]] bool write(std::uint64_t gpa, std::span<const std::uint8_t> in) const;

  template <typename T>
  std::optional<T> read_obj(std::uint64_t gpa) const {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    if (!read(gpa, std::span(reinterpret_cast<std::uint8_t*>(&value), sizeof(T))))
      return std::nullopt;
    return value;
  }

  template <typename T>
  [[nodiscard]] bool write_obj(std::uint64_t gpa, const T& value) const {
    static_assert(std::is_trivially_copyable_v<T>);
    return write(gpa, std::span(reinterpret_cast<const std::uint8_t*>(&value), sizeof(T)));
  }

 private:
  GuestMemory(std::vector<RamRange> ranges, std::vector<Mapping> mappings, std::vector<UniqueFd> fds)
      : ranges_(std::move(ranges)), mappings_(std::move(mappings)), fds_(std::move(fds)) {}
  const RamRange* find(std::uint64_t gpa, std::uint64_t len) const;

  std::vector<RamRange> ranges_;
  std::vector<Mapping> mappings_;
  std::vector<UniqueFd> fds_;  // Shareable: each range's memfd
};

}  // namespace vmm
