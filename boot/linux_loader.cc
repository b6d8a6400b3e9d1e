#include "boot/linux_loader.h"

#include "base/format.h"
#include "boot/boot_error.h"
#include "boot/boot_layout.h"
#include "boot/cmdline.h"
#include "boot/file_reader.h"
#include "boot/initrd.h"
#include "boot/kernel_placement.h"
#include "boot/zero_page.h"

namespace vmm {

namespace {


const RamRange& low_ram(const GuestMemory& memory) {
  for (const RamRange& r : memory.ranges())
    if (r.guest_addr == 0) return r;
  throw BootError("guest RAM has no range at guest-physical 0, where boot structures go");
}

void write_bytes(const GuestMemory& memory, std::uint64_t addr,
                 std::span<const std::uint8_t> bytes, const std::string& what) {
  if (!memory.write(addr, bytes))
    throw BootError(what + " (" + human_size(bytes.size()) + " at " + hex(addr) +
                    ") is not in guest RAM");
}

KernelPlacement load_kernel(const GuestMemory& memory, const BzImage& image,
                            std::uint64_t ram_end) {
  const KernelPlacement k = place_kernel(image, boot_layout::kKernelLoadAddr);
  if (k.end > ram_end)
    throw BootError("kernel '" + image.name + "' needs RAM up to " + hex(k.end) + " (init_size " +
                    human_size(image.init_size) + " from " + hex(k.runtime_start) +
                    "), but low RAM ends at " + hex(ram_end) + " (" +
                    human_size(ram_end) + "); give the guest more memory");
  write_bytes(memory, k.load_addr, image.kernel(), "kernel '" + image.name + "'");
  return k;
}

}  // namespace

InitrdImage read_initrd(const std::string& path, std::uint64_t ram_bytes) {
  return {path, read_whole_file(path, "initrd", ram_bytes, "the guest's RAM")};
}

LinuxBoot load_linux(const GuestMemory& memory, const BzImage& image,
                     const LinuxBootRequest& request) {
  const RamRange& low = low_ram(memory);
  BootSummary s;

  const KernelPlacement kernel = load_kernel(memory, image, low.end());
  s.kernel_addr = kernel.load_addr;
  s.kernel_size = image.kernel_size;
  s.kernel_entry = kernel.entry64;
  s.kernel_runtime_start = kernel.runtime_start;
  s.kernel_end = kernel.end;

  write_cmdline(memory, boot_layout::kCmdlineAddr, boot_layout::kCmdlineCapacity,
                request.cmdline, image.cmdline_max);
  s.cmdline_addr = boot_layout::kCmdlineAddr;
  s.cmdline_size = request.cmdline.size();

  if (request.initrd && !request.initrd->bytes.empty()) {
    const InitrdImage& initrd = *request.initrd;
    s.initrd_size = initrd.bytes.size();
    s.initrd_addr = place_initrd(s.initrd_size, {kernel.end, image.initrd_addr_max, low.end()},
                                 initrd.name);
    write_bytes(memory, s.initrd_addr, initrd.bytes, "initrd '" + initrd.name + "'");
  }

  SetupDataArea setup_data(memory, boot_layout::kSetupDataAddr,
                           boot_layout::kSetupDataCapacity);
  for (const SetupDataEntry& entry : request.setup_data)
    setup_data.append(entry.type, entry.payload);
  if (request.late_setup_data)
    for (const SetupDataEntry& entry : request.late_setup_data(s))
      setup_data.append(entry.type, entry.payload);
  s.setup_data_head = setup_data.head();
  s.setup_data_addr = setup_data.base();
  s.setup_data_reserved = setup_data.reserved_size();

  const AddrRange reserved[] = {{s.setup_data_addr, s.setup_data_reserved}};
  s.e820 = build_e820(memory, reserved);

  const boot_params zero_page = build_zero_page(image, {.cmdline_addr = s.cmdline_addr,
                                                        .initrd_addr = s.initrd_addr,
                                                        .initrd_size = s.initrd_size,
                                                        .setup_data_head = s.setup_data_head,
                                                        .e820 = s.e820});
  if (!memory.write_obj(boot_layout::kZeroPageAddr, zero_page))
    throw BootError("zero page at " + hex(boot_layout::kZeroPageAddr) + " is not in guest RAM");
  s.zero_page_addr = boot_layout::kZeroPageAddr;

  LinuxBoot boot;
  boot.entry = setup_x86_entry(memory, kernel.entry64, s.zero_page_addr);
  s.gdt_addr = boot.entry.gdt.base;
  s.page_tables_addr = boot.entry.cr3;
  s.page_tables_size = boot_layout::kPdAddr + boot_layout::kPdCount * boot_layout::kPageSize -
                       boot_layout::kPml4Addr;
  boot.summary = std::move(s);
  return boot;
}

}  // namespace vmm
