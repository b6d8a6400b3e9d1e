// BootSummary::describe(), kept apart from the loader: formatting is not loading.
#include <string>

#include "base/format.h"
#include "boot/linux_loader.h"

namespace vmm {

namespace {


std::string range(std::uint64_t addr, std::uint64_t len) {
  return hex(addr) + ".." + hex(addr + len);
}

}  // namespace

std::vector<std::string> BootSummary::describe() const {
  std::vector<std::string> lines;
  lines.push_back("kernel: " + range(kernel_addr, kernel_size) + " (" + human_size(kernel_size) +
                  "), entry " + hex(kernel_entry) + ", runs in " + hex(kernel_runtime_start) +
                  ".." + hex(kernel_end));
  lines.push_back("zero page: " + hex(zero_page_addr));
  lines.push_back("cmdline: " + hex(cmdline_addr) + " (" + std::to_string(cmdline_size) +
                  " bytes + NUL)");
  lines.push_back(initrd_size == 0 ? std::string("initrd: none")
                                   : "initrd: " + range(initrd_addr, initrd_size) + " (" +
                                         human_size(initrd_size) + ")");
  lines.push_back("page tables: " + range(page_tables_addr, page_tables_size) +
                  " (identity 0..4 GiB, 2 MiB pages), GDT " + hex(gdt_addr));
  lines.push_back(setup_data_head == 0
                      ? std::string("setup_data: none")
                      : "setup_data: head " + hex(setup_data_head) + ", reserved " +
                            range(setup_data_addr, setup_data_reserved));
  for (const E820Entry& e : e820)
    lines.push_back("e820: " + range(e.addr, e.size) +
                    (e.type == E820Type::kRam ? " ram" : " reserved"));
  return lines;
}

}  // namespace vmm
