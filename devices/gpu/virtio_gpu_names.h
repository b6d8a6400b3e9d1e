// Names of virtio-gpu response types, for logs ("ERR_INVALID_PARAMETER"); "0x1234" for a
// type without one. Command names live in the command table (gpu_command.h).
#pragma once

#include <cstdint>
#include <string>

namespace vmm::gpu {

std::string response_name(std::uint32_t type);
// VIRTIO_GPU_CAPSET_* names: "VIRGL", "VIRGL2", "GFXSTREAM", "VENUS", "CROSS_DOMAIN".
std::string capset_name(std::uint32_t id);

}  // namespace vmm::gpu
