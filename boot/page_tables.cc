#include "boot/page_tables.h"

#include <array>

#include "base/format.h"
#include "base/page.h"
#include "boot/boot_error.h"
#include "boot/boot_layout.h"
#include "memory/layout.h"

namespace vmm {

namespace {

constexpr std::size_t kEntriesPerTable = 512;
using Table = std::array<std::uint64_t, kEntriesPerTable>;
static_assert(sizeof(Table) == boot_layout::kPageSize);

void write_table(const GuestMemory& memory, std::uint64_t addr, const Table& table) {
  if (!memory.write_obj(addr, table))
    throw BootError("page table at " + hex(addr) + " is not in guest RAM");
}

std::uint64_t pd_entry(std::uint64_t phys) {
  std::uint64_t entry = phys | pte::kPresent | pte::kWritable | pte::kPageSizeBit;
  if (phys >= layout::kMmioHoleStart && phys < layout::kMmioHoleEnd)
    entry |= pte::kCacheDisable | pte::kWriteThrough;
  return entry;
}

}  // namespace

std::uint64_t write_identity_page_tables(const GuestMemory& memory, std::uint64_t pml4,
                                         std::uint64_t pdpt, std::uint64_t pd) {
  constexpr std::uint64_t kTableFlags = pte::kPresent | pte::kWritable;
  Table table{};
  table[0] = pdpt | kTableFlags;
  write_table(memory, pml4, table);

  table = {};
  for (std::uint64_t i = 0; i < boot_layout::kPdCount; ++i)
    table[i] = (pd + i * boot_layout::kPageSize) | kTableFlags;
  write_table(memory, pdpt, table);

  for (std::uint64_t i = 0; i < boot_layout::kPdCount; ++i) {
    for (std::uint64_t j = 0; j < kEntriesPerTable; ++j)
      table[j] = pd_entry((i * kEntriesPerTable + j) * kLargePageSize);
    write_table(memory, pd + i * boot_layout::kPageSize, table);
  }
  return pml4;
}

}  // namespace vmm
