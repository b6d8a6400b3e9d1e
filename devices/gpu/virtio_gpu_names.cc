#include "devices/gpu/virtio_gpu_names.h"

#include <spdlog/fmt/fmt.h>

#include <utility>

#include "devices/gpu/virtio_gpu_protocol.h"

namespace vmm::gpu {

namespace {

using Name = std::pair<std::uint32_t, const char*>;

constexpr Name kCommands[] = {
    {cmd::kGetDisplayInfo, "GET_DISPLAY_INFO"},
    {cmd::kResourceCreate2d, "RESOURCE_CREATE_2D"},
    {cmd::kResourceUnref, "RESOURCE_UNREF"},
    {cmd::kSetScanout, "SET_SCANOUT"},
    {cmd::kResourceFlush, "RESOURCE_FLUSH"},
    {cmd::kTransferToHost2d, "TRANSFER_TO_HOST_2D"},
    {cmd::kResourceAttachBacking, "RESOURCE_ATTACH_BACKING"},
    {cmd::kResourceDetachBacking, "RESOURCE_DETACH_BACKING"},
    {cmd::kGetCapsetInfo, "GET_CAPSET_INFO"},
    {cmd::kGetCapset, "GET_CAPSET"},
    {cmd::kGetEdid, "GET_EDID"},
    {cmd::kResourceAssignUuid, "RESOURCE_ASSIGN_UUID"},
    {cmd::kResourceCreateBlob, "RESOURCE_CREATE_BLOB"},
    {cmd::kSetScanoutBlob, "SET_SCANOUT_BLOB"},
    {cmd::kCtxCreate, "CTX_CREATE"},
    {cmd::kCtxDestroy, "CTX_DESTROY"},
    {cmd::kCtxAttachResource, "CTX_ATTACH_RESOURCE"},
    {cmd::kCtxDetachResource, "CTX_DETACH_RESOURCE"},
    {cmd::kResourceCreate3d, "RESOURCE_CREATE_3D"},
    {cmd::kTransferToHost3d, "TRANSFER_TO_HOST_3D"},
    {cmd::kTransferFromHost3d, "TRANSFER_FROM_HOST_3D"},
    {cmd::kSubmit3d, "SUBMIT_3D"},
    {cmd::kResourceMapBlob, "RESOURCE_MAP_BLOB"},
    {cmd::kResourceUnmapBlob, "RESOURCE_UNMAP_BLOB"},
    {cmd::kUpdateCursor, "UPDATE_CURSOR"},
    {cmd::kMoveCursor, "MOVE_CURSOR"},
};

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

std::string command_name(std::uint32_t type) { return lookup(kCommands, type); }
std::string response_name(std::uint32_t type) { return lookup(kResponses, type); }

}  // namespace vmm::gpu
