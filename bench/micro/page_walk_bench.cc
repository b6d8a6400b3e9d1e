// The page walk behind the derived memory type (vmm/memtype/page_walk): what one walk of a
// guest address space costs, through GuestMemory as vmm does it at a blob's first touch.
// The address space is built like a Linux process's: a PML4 with the kernel's half (a 1 GiB
// direct map in 2 MiB pages) and a user half of `tables` page tables of 4 KiB pages, one of
// which maps the blob the walk looks for. Items = entries visited.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "memory/guest_memory.h"
#include "vmm/memtype/guest_ram_tables.h"
#include "vmm/memtype/page_walk.h"

namespace vmm::bench {
namespace {

constexpr std::uint64_t kPresentWritableUser = 0x7;
constexpr std::uint64_t kPs = 1ull << 7;
constexpr std::uint64_t kBlob = 0x100000000ull;

struct AddressSpace {
  GuestMemory memory = GuestMemory::from_ranges({{0, 64ull << 20, "ram-low"}});
  std::uint64_t next = 0x100000;  // tables are allocated upwards from 1 MiB
  std::uint64_t cr3 = 0;

  std::uint64_t table() {
    const std::uint64_t gpa = next;
    next += 4096;
    return gpa;
  }
  void set(std::uint64_t table, unsigned index, std::uint64_t entry) {
    (void)memory.write_obj(table + 8ull * index, entry);
  }

  explicit AddressSpace(unsigned page_tables) {
    cr3 = table();
    // Kernel half: PML4[256] -> PDPT -> one PD of 512 2 MiB pages (a 1 GiB direct map).
    const std::uint64_t kpdpt = table(), kpd = table();
    set(cr3, 256, kpdpt | 3);
    set(kpdpt, 0, kpd | 3);
    for (unsigned i = 0; i < 512; ++i) set(kpd, i, (std::uint64_t{i} << 21) | 3 | kPs);
    // User half: PML4[255] -> PDPT -> PDs -> `page_tables` full tables of 4 KiB pages.
    const std::uint64_t updpt = table();
    set(cr3, 255, updpt | kPresentWritableUser);
    std::uint64_t pd = 0;
    for (unsigned t = 0; t < page_tables; ++t) {
      if (t % 512 == 0) {
        pd = table();
        set(updpt, t / 512, pd | kPresentWritableUser);
      }
      const std::uint64_t pt = table();
      set(pd, t % 512, pt | kPresentWritableUser);
      // The first table maps the blob (WC: PAT index 1), the others RAM.
      for (unsigned i = 0; i < 512; ++i)
        set(pt, i, (t == 0 ? kBlob + 4096ull * i : 0x2000000ull + 4096ull * i) | kPresentWritableUser | (t == 0 ? 0x8 : 0));
    }
  }
};

void BM_PageWalk(benchmark::State& state) {
  const AddressSpace space(static_cast<unsigned>(state.range(0)));
  const memtype::PagingRegisters regs{0x80050033, space.cr3, 0x20, 0x500};
  const memtype::GpaRange blob{kBlob, kBlob + (2ull << 20)};
  const memtype::GuestRamTables tables(space.memory);
  std::uint64_t entries = 0;
  for (auto _ : state) {
    const memtype::WalkResult result = memtype::find_mappings(tables, regs, std::span(&blob, 1));
    if (result.runs.size() != 1) state.SkipWithError("the blob's mapping was not found");
    entries += result.entries_visited;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(entries));
}
BENCHMARK(BM_PageWalk)->Name("page_walk/address_space")->ArgName("page_tables")->Arg(16)->Arg(300)->Arg(4096);

}  // namespace
}  // namespace vmm::bench
