#include "vmm/report/memslot_report.h"

#include <cinttypes>
#include <cstdio>

#include "vmm/cli/size_arg.h"

namespace vmm {

std::string format_memslot_table(const std::vector<Memslot>& slots,
                                 const std::map<std::uint64_t, std::string>* derived) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-4s  %-37s  %-8s  %-12s  %-16s  %-24s  %s%s\n", "slot",
                "guest physical range", "size", "owner", "requested", "applied flags",
                derived ? "effective rule                  " : "effective rule", derived ? "  derived" : "");
  out += line;
  for (const auto& slot : slots) {
    const auto& r = slot.request;
    char range[64];
    std::snprintf(range, sizeof range, "0x%016" PRIx64 "-0x%016" PRIx64, r.guest_addr,
                  r.guest_addr + r.size - 1);
    std::string derived_column;
    if (derived) {
      auto it = derived->find(slot.serial);
      derived_column = "  " + (it != derived->end() ? it->second : std::string(slot.is_guest_ram() ? "-" : "not derived"));
    }
    std::snprintf(line, sizeof line, derived ? "%-4u  %-37s  %-8s  %-12s  %-16s  %-24s  %-32s%s\n"
                                             : "%-4u  %-37s  %-8s  %-12s  %-16s  %-24s  %s%s\n",
                  slot.slot, range, format_size(r.size).c_str(), r.owner.c_str(),
                  std::string(to_string(r.cache_type)).c_str(), slot.applied.names.c_str(),
                  slot.applied.rule.c_str(), derived_column.c_str());
    out += line;
  }
  if (slots.empty()) out += "(no memslots)\n";
  return out;
}

}  // namespace vmm
