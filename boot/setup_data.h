// The boot protocol's setup_data chain: nodes {next, type, len, data[len]} in guest RAM,
// linked through `next`, whose head goes in boot_params.hdr.setup_data. vmm keeps all nodes
// in one fixed area (boot_layout::kSetupDataAddr) that e820 reports reserved, so the kernel
// never hands those pages out before it has read them.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "memory/guest_memory.h"

namespace vmm {

// The fixed part of a node: struct setup_data from <asm/bootparam.h> without its flexible
// array member, so it can be a value (std::optional, arrays) in C++.
struct SetupDataHeader {
  std::uint64_t next;  // guest-physical address of the next node, 0 at the end
  std::uint32_t type;  // SETUP_*
  std::uint32_t len;   // payload bytes following the header
};

// One entry a caller wants the kernel to see, e.g. {SETUP_DTB, dtb bytes}.
struct SetupDataEntry {
  std::uint32_t type;
  std::vector<std::uint8_t> payload;
};

class SetupDataArea {
 public:
  // Nodes go into [base, base + capacity), which must be guest RAM.
  SetupDataArea(const GuestMemory& memory, std::uint64_t base, std::uint64_t capacity);

  // Writes a node at the next 8-byte-aligned spot and links the previous node to it.
  // Returns the node's guest-physical address. Throws BootError when the area is full.
  std::uint64_t append(std::uint32_t type, std::span<const std::uint8_t> payload);

  // Guest-physical address of the first node; 0 (end of chain) when there is none.
  std::uint64_t head() const { return nodes_.empty() ? 0 : nodes_.front(); }
  const std::vector<std::uint64_t>& nodes() const { return nodes_; }

  std::uint64_t base() const { return base_; }
  // Bytes from base() to the end of the last node; 0 with no nodes.
  std::uint64_t used() const { return used_; }
  // used() rounded up to whole pages: what e820 must report reserved.
  std::uint64_t reserved_size() const;

 private:
  const GuestMemory& memory_;
  std::uint64_t base_;
  std::uint64_t capacity_;
  std::uint64_t used_ = 0;
  std::vector<std::uint64_t> nodes_;
};

}  // namespace vmm
