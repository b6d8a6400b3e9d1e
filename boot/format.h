// The boot protocol's own notation, for messages. (Addresses and sizes: base/format.h.)
#pragma once

#include <cstdint>
#include <string>

namespace vmm::boot_format {

// Boot protocol version word 0x020c -> "2.12" (the minor number is decimal, two digits).
std::string protocol_version(std::uint16_t version);

}  // namespace vmm::boot_format
