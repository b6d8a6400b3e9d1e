// A virtio-gpu request decoded once: the header's type is looked up in the one table of
// commands (name, queue, the feature it needs), checked against the queue it came on and
// the negotiated features, and the command's struct is read whole, every bound checked
// here. What comes out is a typed command — one type per wire command — that the device
// dispatches with a single visit, so no handler reads or checks the request's opening
// itself. Trailing entries (ATTACH_BACKING's, CREATE_BLOB's) stay in the request.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "devices/gpu/gpu_request.h"
#include "devices/gpu/virtio_gpu_protocol.h"

namespace vmm::gpu {

enum class GpuQueue { Control, Cursor };

struct CommandInfo {
  std::uint32_t type;
  const char* name;   // "RESOURCE_MAP_BLOB": the only place command names are spelled
  GpuQueue queue;
  int feature;        // the VIRTIO_GPU_F_* bit it needs, or -1
  bool handled;       // false: known, but never handled here (ERR_UNSPEC)
};

// The command `type` names, or nullptr for one this device does not know.
const CommandInfo* find_command(std::uint32_t type);
// Its name, or "0x1234" for a type without one.
std::string command_name(std::uint32_t type);

template <std::uint32_t Type, typename Wire>
struct Command {
  static constexpr std::uint32_t kType = Type;
  Wire wire;  // the command's struct, header included, as the driver sent it
};

using GetDisplayInfoCmd = Command<cmd::kGetDisplayInfo, CtrlHdr>;
using ResourceCreate2dCmd = Command<cmd::kResourceCreate2d, ResourceCreate2d>;
using ResourceUnrefCmd = Command<cmd::kResourceUnref, ResourceIdCmd>;
using SetScanoutCmd = Command<cmd::kSetScanout, SetScanout>;
using ResourceFlushCmd = Command<cmd::kResourceFlush, ResourceFlush>;
using TransferToHost2dCmd = Command<cmd::kTransferToHost2d, TransferToHost2d>;
using AttachBackingCmd = Command<cmd::kResourceAttachBacking, ResourceAttachBacking>;
using DetachBackingCmd = Command<cmd::kResourceDetachBacking, ResourceIdCmd>;
using CreateBlobCmd = Command<cmd::kResourceCreateBlob, ResourceCreateBlob>;
using MapBlobCmd = Command<cmd::kResourceMapBlob, ResourceMapBlob>;
using UnmapBlobCmd = Command<cmd::kResourceUnmapBlob, ResourceIdCmd>;
using CtxCreateCmd = Command<cmd::kCtxCreate, CtxCreate>;
using CtxDestroyCmd = Command<cmd::kCtxDestroy, CtrlHdr>;
using CtxAttachCmd = Command<cmd::kCtxAttachResource, ResourceIdCmd>;
using CtxDetachCmd = Command<cmd::kCtxDetachResource, ResourceIdCmd>;
using Submit3dCmd = Command<cmd::kSubmit3d, CmdSubmit>;
using GetCapsetInfoCmd = Command<cmd::kGetCapsetInfo, GetCapsetInfo>;
using GetCapsetCmd = Command<cmd::kGetCapset, GetCapset>;
using ResourceCreate3dCmd = Command<cmd::kResourceCreate3d, ResourceCreate3d>;
using TransferToHost3dCmd = Command<cmd::kTransferToHost3d, Transfer3d>;
using TransferFromHost3dCmd = Command<cmd::kTransferFromHost3d, Transfer3d>;
using UpdateCursorCmd = Command<cmd::kUpdateCursor, UpdateCursor>;
using MoveCursorCmd = Command<cmd::kMoveCursor, UpdateCursor>;

using GpuCommand =
    std::variant<GetDisplayInfoCmd, ResourceCreate2dCmd, ResourceUnrefCmd, SetScanoutCmd,
                 ResourceFlushCmd, TransferToHost2dCmd, AttachBackingCmd, DetachBackingCmd,
                 CreateBlobCmd, MapBlobCmd, UnmapBlobCmd, CtxCreateCmd, CtxDestroyCmd,
                 CtxAttachCmd, CtxDetachCmd, Submit3dCmd, UpdateCursorCmd, MoveCursorCmd,
                 GetCapsetInfoCmd, GetCapsetCmd, ResourceCreate3dCmd, TransferToHost3dCmd,
                 TransferFromHost3dCmd>;

// Why a request was not decoded: the response to send (always ERR_UNSPEC: unknown or
// unsupported, wrong queue, feature not negotiated, shorter than its struct) and why.
struct DecodeError {
  std::uint32_t response;
  std::string why;
};

std::variant<GpuCommand, DecodeError> decode_command(const CtrlHdr& hdr, const GpuRequest& req,
                                                     GpuQueue queue, std::uint64_t negotiated_features);

}  // namespace vmm::gpu
