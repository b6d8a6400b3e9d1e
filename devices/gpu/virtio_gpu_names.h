// Names of virtio-gpu command and response types, for logs ("RESOURCE_MAP_BLOB",
// "ERR_INVALID_PARAMETER"); "0x1234" for a type without one.
#pragma once

#include <cstdint>
#include <string>

namespace vmm::gpu {

std::string command_name(std::uint32_t type);
std::string response_name(std::uint32_t type);

}  // namespace vmm::gpu
