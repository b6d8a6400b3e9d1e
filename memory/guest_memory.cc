#include "memory/guest_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "base/page.h"
#include "memory/layout.h"

namespace vmm {

namespace {

UniqueFd ram_memfd(std::uint64_t size, const std::string& owner) {
  UniqueFd fd(memfd_create(("vmm-" + owner).c_str(), MFD_CLOEXEC));
  if (!fd.valid() || ftruncate(fd.get(), static_cast<off_t>(size)) != 0)
    throw std::system_error(errno, std::generic_category(),
                            "cannot make " + std::to_string(size) + " bytes of shareable guest memory");
  return fd;
}

}  // namespace

GuestMemory GuestMemory::create(std::uint64_t ram_size, Backing backing) {
  if (ram_size < layout::kMinRamSize)
    throw std::invalid_argument("guest memory must be at least " +
                                std::to_string(layout::kMinRamSize / layout::kMiB) + " MiB");
  if (ram_size % kPageSize != 0)
    throw std::invalid_argument("guest memory size must be a multiple of 4 KiB");
  std::vector<RangeSpec> specs;
  const std::uint64_t low = std::min(ram_size, layout::kMmioHoleStart);
  specs.push_back({0, low, "ram-low"});
  if (ram_size > low) specs.push_back({layout::kHighRamStart, ram_size - low, "ram-high"});
  return from_ranges(specs, backing);
}

GuestMemory GuestMemory::from_ranges(const std::vector<RangeSpec>& specs, Backing backing) {
  std::vector<RamRange> ranges;
  std::vector<Mapping> mappings;
  std::vector<UniqueFd> fds;
  std::uint64_t previous_end = 0;
  for (const auto& spec : specs) {
    if (spec.size == 0 || spec.guest_addr % kPageSize != 0 || spec.size % kPageSize != 0)
      throw std::invalid_argument("RAM range '" + spec.owner +
                                  "' must be non-empty and page-aligned");
    if (spec.guest_addr + spec.size < spec.guest_addr)
      throw std::invalid_argument("RAM range '" + spec.owner + "' wraps the address space");
    if (!ranges.empty() && spec.guest_addr < previous_end)
      throw std::invalid_argument("RAM range '" + spec.owner +
                                  "' overlaps or precedes the previous range");
    int fd = -1;
    if (backing == Backing::Shareable) {
      fds.push_back(ram_memfd(spec.size, spec.owner));
      fd = fds.back().get();
      mappings.push_back(Mapping::shared(fd, spec.size, "guest memory"));
    } else {
      mappings.push_back(Mapping::anonymous(spec.size, "guest memory"));
    }
    ranges.push_back({spec.guest_addr, spec.size, mappings.back().data(), spec.owner, fd});
    previous_end = spec.guest_addr + spec.size;
  }
  return GuestMemory(std::move(ranges), std::move(mappings), std::move(fds));
}

std::uint64_t GuestMemory::total_size() const {
  std::uint64_t total = 0;
  for (const auto& r : ranges_) total += r.size;
  return total;
}

const RamRange* GuestMemory::find(std::uint64_t gpa, std::uint64_t len) const {
  for (const auto& r : ranges_) {
    // Written so that no sum can overflow: gpa - start is only taken once gpa >= start.
    if (gpa < r.guest_addr) continue;
    const std::uint64_t offset = gpa - r.guest_addr;
    if (offset > r.size) continue;
    if (len > r.size - offset) continue;
    return &r;
  }
  return nullptr;
}

bool GuestMemory::contains(std::uint64_t gpa, std::uint64_t len) const {
  return find(gpa, len) != nullptr;
}

std::optional<std::span<std::uint8_t>> GuestMemory::span(std::uint64_t gpa,
                                                        std::uint64_t len) const {
  const RamRange* r = find(gpa, len);
  if (r == nullptr) return std::nullopt;
  return std::span<std::uint8_t>(r->host + (gpa - r->guest_addr), len);
}

bool GuestMemory::read(std::uint64_t gpa, std::span<std::uint8_t> out) const {
  auto src = span(gpa, out.size());
  if (!src) return false;
  // std::copy, not memcpy: an empty span may carry a null pointer, which memcpy must not get.
  std::copy(src->begin(), src->end(), out.begin());
  return true;
}

bool GuestMemory::write(std::uint64_t gpa, std::span<const std::uint8_t> in) const {
  auto dst = span(gpa, in.size());
  if (!dst) return false;
  std::copy(in.begin(), in.end(), dst->begin());
  return true;
}

}  // namespace vmm
