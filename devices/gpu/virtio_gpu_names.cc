#include "devices/gpu/virtio_gpu_names.h"

#include <spdlog/fmt/fmt.h>

#include <utility>

#include "devices/gpu/virtio_gpu_protocol.h"

namespace vmm::gpu {

namespace {

using Name = std::pair<std::uint32_t, const char*>;

constexpr Name kResponses[] = {
    {resp::kOkNodata, "OK_NODATA"},
    {resp::kOkDisplayInfo, "OK_DISPLAY_INFO"},
    {resp::kOkCapsetInfo, "OK_CAPSET_INFO"},
    {resp::kOkCapset, "OK_CAPSET"},
    {resp::kOkEdid, "OK_EDID"},
    {resp::kOkResourceUuid, "OK_RESOURCE_UUID"},
    {resp::kOkMapInfo, "OK_MAP_INFO"},
    {resp::kErrUnspec, "ERR_UNSPEC"},
    {resp::kErrOutOfMemory, "ERR_OUT_OF_MEMORY"},
    {resp::kErrInvalidScanoutId, "ERR_INVALID_SCANOUT_ID"},
    {resp::kErrInvalidResourceId, "ERR_INVALID_RESOURCE_ID"},
    {resp::kErrInvalidContextId, "ERR_INVALID_CONTEXT_ID"},
    {resp::kErrInvalidParameter, "ERR_INVALID_PARAMETER"},
};

template <std::size_t N>
std::string lookup(const Name (&names)[N], std::uint32_t type) {
  for (const auto& [value, name] : names)
    if (value == type) return name;
  return fmt::format("{:#x}", type);
}

}  // namespace

std::string response_name(std::uint32_t type) { return lookup(kResponses, type); }

std::string capset_name(std::uint32_t id) {
  switch (id) {
    case 1: return "VIRGL";
    case 2: return "VIRGL2";
    case 3: return "GFXSTREAM";
    case 4: return "VENUS";
    case 5: return "CROSS_DOMAIN";
  }
  return "capset " + std::to_string(id);
}

}  // namespace vmm::gpu
