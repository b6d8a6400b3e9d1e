// Puts a Linux bzImage and everything it needs into guest RAM for the 64-bit boot protocol:
// the kernel at 1 MiB, the zero page, the command line, an optional initrd, the e820 map,
// an optional setup_data chain, and the vCPU entry state (GDT, page tables, registers).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "boot/bzimage.h"
#include "boot/e820.h"
#include "boot/setup_data.h"
#include "boot/x86_entry.h"
#include "memory/guest_memory.h"

namespace vmm {

struct InitrdImage {
  std::string name;  // for messages
  std::vector<std::uint8_t> bytes;
};

// read_whole_file(path, "initrd"), named for messages; an initrd larger than the guest's
// RAM (`ram_bytes`) cannot be loaded, so it is refused before it is read.
InitrdImage read_initrd(const std::string& path, std::uint64_t ram_bytes);

// Where everything went, for the VMM to log and for tests to check.
struct BootSummary {
  std::uint64_t kernel_addr = 0;           // protected-mode kernel copied here
  std::uint64_t kernel_size = 0;
  std::uint64_t kernel_entry = 0;          // 64-bit entry point (kernel_addr + 0x200)
  std::uint64_t kernel_runtime_start = 0;  // where the kernel will decompress itself to
  std::uint64_t kernel_end = 0;            // end of its runtime range (init_size)
  std::uint64_t zero_page_addr = 0;
  std::uint64_t cmdline_addr = 0;
  std::uint64_t cmdline_size = 0;  // bytes, without the NUL
  std::uint64_t initrd_addr = 0;   // both 0 without an initrd
  std::uint64_t initrd_size = 0;
  std::uint64_t gdt_addr = 0;
  std::uint64_t page_tables_addr = 0;  // PML4 (= CR3)
  std::uint64_t page_tables_size = 0;  // PML4, PDPT and PDs, contiguous
  std::uint64_t setup_data_head = 0;   // 0 without entries
  std::uint64_t setup_data_addr = 0;   // area start
  std::uint64_t setup_data_reserved = 0;  // bytes of it reported reserved in e820
  std::vector<E820Entry> e820;

  // One human-readable line per item ("kernel: 0x100000 + 9.5 MiB, entry 0x100200, ...").
  std::vector<std::string> describe() const;
};

struct LinuxBootRequest {
  std::string cmdline = {};
  std::optional<InitrdImage> initrd = {};
  // Chained in this order into the setup_data area (e.g. {SETUP_DTB, dtb}).
  std::vector<SetupDataEntry> setup_data = {};
  // Entries that depend on where the kernel and initrd went (the device tree's /chosen):
  // called once they are placed, chained after `setup_data`.
  std::function<std::vector<SetupDataEntry>(const BootSummary& placed)> late_setup_data = {};
};

struct LinuxBoot {
  X86EntryState entry;
  BootSummary summary;
};

// Writes everything into `memory`, which must have a RAM range at guest-physical 0
// ("ram-low") large enough for the kernel's runtime range and the initrd. Throws BootError
// with a one-line reason when anything does not fit or is refused.
LinuxBoot load_linux(const GuestMemory& memory, const BzImage& image,
                     const LinuxBootRequest& request);

}  // namespace vmm
