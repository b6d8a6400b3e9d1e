#include "boot/setup_data.h"

#include <asm/bootparam.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "base/format.h"
#include "boot/boot_error.h"
#include "boot/boot_layout.h"

namespace vmm {

namespace {

static_assert(sizeof(SetupDataHeader) == sizeof(setup_data));
static_assert(offsetof(SetupDataHeader, next) == offsetof(setup_data, next));
static_assert(offsetof(SetupDataHeader, type) == offsetof(setup_data, type));
static_assert(offsetof(SetupDataHeader, len) == offsetof(setup_data, len));

constexpr std::uint64_t kNodeAlign = 8;  // keeps each node's 64-bit `next` naturally aligned

std::uint64_t align_up(std::uint64_t value, std::uint64_t align) {
  return (value + align - 1) & ~(align - 1);
}

}  // namespace

SetupDataArea::SetupDataArea(const GuestMemory& memory, std::uint64_t base,
                             std::uint64_t capacity)
    : memory_(memory), base_(base), capacity_(capacity) {
  if (!memory_.contains(base, capacity))
    throw BootError("setup_data area " + hex(base) + " + " +
                    human_size(capacity) + " is not in guest RAM");
}

std::uint64_t SetupDataArea::append(std::uint32_t type, std::span<const std::uint8_t> payload) {
  const std::uint64_t offset = align_up(used_, kNodeAlign);
  const std::uint64_t node_size = sizeof(SetupDataHeader) + payload.size();
  if (payload.size() > UINT32_MAX || offset > capacity_ || node_size > capacity_ - offset)
    throw BootError("setup_data entry of type " + std::to_string(type) + " (" +
                    human_size(payload.size()) + ") does not fit: " +
                    human_size(capacity_ - std::min(offset, capacity_)) + " of the " +
                    human_size(capacity_) + " setup_data area left");

  const std::uint64_t addr = base_ + offset;
  const SetupDataHeader node{.next = 0, .type = type,
                             .len = static_cast<std::uint32_t>(payload.size())};
  // The constructor checked that the whole area is RAM, so these writes cannot miss.
  auto dst = memory_.span(addr, node_size);
  std::memcpy(dst->data(), &node, sizeof(node));
  if (!payload.empty()) std::memcpy(dst->data() + sizeof(node), payload.data(), payload.size());

  if (!nodes_.empty()) {
    auto prev_next = memory_.span(nodes_.back() + offsetof(SetupDataHeader, next), sizeof(node.next));
    std::memcpy(prev_next->data(), &addr, sizeof(addr));
  }
  nodes_.push_back(addr);
  used_ = offset + node_size;
  return addr;
}

std::uint64_t SetupDataArea::reserved_size() const {
  return align_up(used_, boot_layout::kPageSize);
}

}  // namespace vmm
