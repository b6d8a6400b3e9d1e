#include "boot/format.h"

#include <cstdio>

namespace vmm::boot_format {

std::string protocol_version(std::uint16_t version) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%u.%02u", static_cast<unsigned>(version >> 8),
                static_cast<unsigned>(version & 0xff));
  return buf;
}

}  // namespace vmm::boot_format
