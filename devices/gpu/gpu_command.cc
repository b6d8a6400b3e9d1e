#include "devices/gpu/gpu_command.h"

#include <spdlog/fmt/fmt.h>

namespace vmm::gpu {

namespace {

constexpr GpuQueue kCtrl = GpuQueue::Control;
constexpr int kNone = -1;
constexpr int kVirgl = static_cast<int>(kFeatureVirgl);
constexpr int kBlob = static_cast<int>(kFeatureResourceBlob);

constexpr CommandInfo kCommands[] = {
    {cmd::kGetDisplayInfo, "GET_DISPLAY_INFO", kCtrl, kNone, true},
    {cmd::kResourceCreate2d, "RESOURCE_CREATE_2D", kCtrl, kNone, true},
    {cmd::kResourceUnref, "RESOURCE_UNREF", kCtrl, kNone, true},
    {cmd::kSetScanout, "SET_SCANOUT", kCtrl, kNone, true},
    {cmd::kResourceFlush, "RESOURCE_FLUSH", kCtrl, kNone, true},
    {cmd::kTransferToHost2d, "TRANSFER_TO_HOST_2D", kCtrl, kNone, true},
    {cmd::kResourceAttachBacking, "RESOURCE_ATTACH_BACKING", kCtrl, kNone, true},
    {cmd::kResourceDetachBacking, "RESOURCE_DETACH_BACKING", kCtrl, kNone, true},
    {cmd::kGetCapsetInfo, "GET_CAPSET_INFO", kCtrl, kNone, true},
    {cmd::kGetCapset, "GET_CAPSET", kCtrl, kNone, true},
    {cmd::kGetEdid, "GET_EDID", kCtrl, kNone, false},
    {cmd::kResourceAssignUuid, "RESOURCE_ASSIGN_UUID", kCtrl, kNone, false},
    {cmd::kResourceCreateBlob, "RESOURCE_CREATE_BLOB", kCtrl, kBlob, true},
    {cmd::kSetScanoutBlob, "SET_SCANOUT_BLOB", kCtrl, kNone, false},
    {cmd::kCtxCreate, "CTX_CREATE", kCtrl, kVirgl, true},
    {cmd::kCtxDestroy, "CTX_DESTROY", kCtrl, kVirgl, true},
    {cmd::kCtxAttachResource, "CTX_ATTACH_RESOURCE", kCtrl, kVirgl, true},
    {cmd::kCtxDetachResource, "CTX_DETACH_RESOURCE", kCtrl, kVirgl, true},
    {cmd::kResourceCreate3d, "RESOURCE_CREATE_3D", kCtrl, kVirgl, true},
    {cmd::kTransferToHost3d, "TRANSFER_TO_HOST_3D", kCtrl, kVirgl, true},
    {cmd::kTransferFromHost3d, "TRANSFER_FROM_HOST_3D", kCtrl, kVirgl, true},
    {cmd::kSubmit3d, "SUBMIT_3D", kCtrl, kVirgl, true},
    {cmd::kResourceMapBlob, "RESOURCE_MAP_BLOB", kCtrl, kBlob, true},
    {cmd::kResourceUnmapBlob, "RESOURCE_UNMAP_BLOB", kCtrl, kBlob, true},
    {cmd::kUpdateCursor, "UPDATE_CURSOR", GpuQueue::Cursor, kNone, true},
    {cmd::kMoveCursor, "MOVE_CURSOR", GpuQueue::Cursor, kNone, true},
};

// Reads the alternative whose kType is `type`: the one place a command's struct is read.
template <std::size_t I = 0>
std::variant<GpuCommand, DecodeError> read_command(std::uint32_t type, const GpuRequest& req) {
  if constexpr (I == std::variant_size_v<GpuCommand>) {
    return DecodeError{resp::kErrUnspec, "not supported by this device"};
  } else {
    using Alternative = std::variant_alternative_t<I, GpuCommand>;
    if (Alternative::kType != type) return read_command<I + 1>(type, req);
    Alternative command{};
    if (!req.read(command.wire)) return DecodeError{resp::kErrUnspec, "request too short"};
    return GpuCommand(command);
  }
}

}  // namespace

const CommandInfo* find_command(std::uint32_t type) {
  for (const CommandInfo& info : kCommands)
    if (info.type == type) return &info;
  return nullptr;
}

std::string command_name(std::uint32_t type) {
  const CommandInfo* info = find_command(type);
  return info ? info->name : fmt::format("{:#x}", type);
}

std::variant<GpuCommand, DecodeError> decode_command(const CtrlHdr& hdr, const GpuRequest& req,
                                                     GpuQueue queue, std::uint64_t features) {
  const CommandInfo* info = find_command(hdr.type);
  if (info != nullptr && info->queue != queue)
    return DecodeError{resp::kErrUnspec,
                       std::string("sent on the wrong queue (") +
                           (queue == GpuQueue::Cursor ? "1" : "0") + ")"};
  if (info == nullptr || !info->handled)
    return DecodeError{resp::kErrUnspec, "not supported by this device"};
  if (info->feature != kNone && !((features >> info->feature) & 1))
    return DecodeError{resp::kErrUnspec, "its feature was not negotiated"};
  return read_command(hdr.type, req);
}

}  // namespace vmm::gpu
