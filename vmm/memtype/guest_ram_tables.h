// The page walk's view of guest RAM: whole 4 KiB tables copied out of GuestMemory, bounds-
// checked there; a table outside RAM (in a device slot, or nowhere) is not read.
#pragma once

#include <span>

#include "memory/guest_memory.h"
#include "vmm/memtype/page_walk.h"

namespace vmm::memtype {

class GuestRamTables : public GuestTableReader {
 public:
  explicit GuestRamTables(const GuestMemory& memory) : memory_(memory) {}
  bool read_table(std::uint64_t gpa, std::span<std::uint64_t, 512> out) const override {
    return memory_.read(gpa, std::span(reinterpret_cast<std::uint8_t*>(out.data()), out.size_bytes()));
  }

 private:
  const GuestMemory& memory_;
};

}  // namespace vmm::memtype
