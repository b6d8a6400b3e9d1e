// Options: everything the user asked for, after the command line and --config were merged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace vmm {

struct Options {
  std::string kernel;
  std::optional<std::string> initrd;
  std::string cmdline = "console=ttyS0 reboot=k panic=1";
  std::uint64_t mem_bytes = 256ull << 20;
  std::string log_level = "info";
  bool print_memslots = false;
  std::uint32_t cpus = 1;
  std::optional<std::string> memslot_trace;  // JSON lines, one per memslot event
};

}  // namespace vmm
