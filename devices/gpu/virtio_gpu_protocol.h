// The virtio-gpu wire format (virtio 1.2 §5.7), as plain structs. Defined here rather than
// taken from <linux/virtio_gpu.h> so the device owns its names and checks every layout; the
// unit tests compare these layouts with the kernel's UAPI header. All fields are
// little-endian in guest RAM; x86-64 hosts read them as they are.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vmm::gpu {

// Feature bits (§5.7.3).
inline constexpr unsigned kFeatureVirgl = 0;         // VIRTIO_GPU_F_VIRGL: 3D/context commands
inline constexpr unsigned kFeatureEdid = 1;          // VIRTIO_GPU_F_EDID
inline constexpr unsigned kFeatureResourceUuid = 2;  // VIRTIO_GPU_F_RESOURCE_UUID
inline constexpr unsigned kFeatureResourceBlob = 3;  // VIRTIO_GPU_F_RESOURCE_BLOB
inline constexpr unsigned kFeatureContextInit = 4;   // VIRTIO_GPU_F_CONTEXT_INIT

inline constexpr std::uint16_t kDeviceId = 16;
inline constexpr std::uint16_t kControlQueue = 0;
inline constexpr std::uint16_t kCursorQueue = 1;

// Shared memory region ids (§5.7.5).
inline constexpr std::uint8_t kShmIdHostVisible = 1;

// Command and response types (§5.7.6.7).
namespace cmd {
inline constexpr std::uint32_t kGetDisplayInfo = 0x0100;
inline constexpr std::uint32_t kResourceCreate2d = 0x0101;
inline constexpr std::uint32_t kResourceUnref = 0x0102;
inline constexpr std::uint32_t kSetScanout = 0x0103;
inline constexpr std::uint32_t kResourceFlush = 0x0104;
inline constexpr std::uint32_t kTransferToHost2d = 0x0105;
inline constexpr std::uint32_t kResourceAttachBacking = 0x0106;
inline constexpr std::uint32_t kResourceDetachBacking = 0x0107;
inline constexpr std::uint32_t kGetCapsetInfo = 0x0108;
inline constexpr std::uint32_t kGetCapset = 0x0109;
inline constexpr std::uint32_t kGetEdid = 0x010a;
inline constexpr std::uint32_t kResourceAssignUuid = 0x010b;
inline constexpr std::uint32_t kResourceCreateBlob = 0x010c;
inline constexpr std::uint32_t kSetScanoutBlob = 0x010d;

inline constexpr std::uint32_t kCtxCreate = 0x0200;
inline constexpr std::uint32_t kCtxDestroy = 0x0201;
inline constexpr std::uint32_t kCtxAttachResource = 0x0202;
inline constexpr std::uint32_t kCtxDetachResource = 0x0203;
inline constexpr std::uint32_t kResourceCreate3d = 0x0204;
inline constexpr std::uint32_t kTransferToHost3d = 0x0205;
inline constexpr std::uint32_t kTransferFromHost3d = 0x0206;
inline constexpr std::uint32_t kSubmit3d = 0x0207;
inline constexpr std::uint32_t kResourceMapBlob = 0x0208;
inline constexpr std::uint32_t kResourceUnmapBlob = 0x0209;

inline constexpr std::uint32_t kUpdateCursor = 0x0300;
inline constexpr std::uint32_t kMoveCursor = 0x0301;
}  // namespace cmd

namespace resp {
inline constexpr std::uint32_t kOkNodata = 0x1100;
inline constexpr std::uint32_t kOkDisplayInfo = 0x1101;
inline constexpr std::uint32_t kOkCapsetInfo = 0x1102;
inline constexpr std::uint32_t kOkCapset = 0x1103;
inline constexpr std::uint32_t kOkEdid = 0x1104;
inline constexpr std::uint32_t kOkResourceUuid = 0x1105;
inline constexpr std::uint32_t kOkMapInfo = 0x1106;

inline constexpr std::uint32_t kErrUnspec = 0x1200;
inline constexpr std::uint32_t kErrOutOfMemory = 0x1201;
inline constexpr std::uint32_t kErrInvalidScanoutId = 0x1202;
inline constexpr std::uint32_t kErrInvalidResourceId = 0x1203;
inline constexpr std::uint32_t kErrInvalidContextId = 0x1204;
inline constexpr std::uint32_t kErrInvalidParameter = 0x1205;

inline constexpr bool is_error(std::uint32_t type) { return type >= kErrUnspec; }
}  // namespace resp

// ctrl_hdr.flags.
inline constexpr std::uint32_t kFlagFence = 1u << 0;
inline constexpr std::uint32_t kFlagInfoRingIdx = 1u << 1;

// Pixel formats (§5.7.6.8, "simple formats for fbcon/X use"). The name lists the bytes in
// memory order: B8G8R8X8 is B, G, R, X at increasing addresses.
namespace format {
inline constexpr std::uint32_t kB8G8R8A8 = 1;
inline constexpr std::uint32_t kB8G8R8X8 = 2;
inline constexpr std::uint32_t kA8R8G8B8 = 3;
inline constexpr std::uint32_t kX8R8G8B8 = 4;
inline constexpr std::uint32_t kR8G8B8A8 = 67;
inline constexpr std::uint32_t kX8B8G8R8 = 68;
inline constexpr std::uint32_t kA8B8G8R8 = 121;
inline constexpr std::uint32_t kR8G8B8X8 = 134;
}  // namespace format

// RESOURCE_CREATE_BLOB: blob_mem and blob_flags.
inline constexpr std::uint32_t kBlobMemGuest = 1;
inline constexpr std::uint32_t kBlobMemHost3d = 2;
inline constexpr std::uint32_t kBlobMemHost3dGuest = 3;
inline constexpr std::uint32_t kBlobFlagMappable = 1u << 0;
inline constexpr std::uint32_t kBlobFlagShareable = 1u << 1;
inline constexpr std::uint32_t kBlobFlagCrossDevice = 1u << 2;
inline constexpr std::uint32_t kBlobFlagsKnown =
    kBlobFlagMappable | kBlobFlagShareable | kBlobFlagCrossDevice;

// RESP_OK_MAP_INFO: map_info.
inline constexpr std::uint32_t kMapCacheMask = 0x0f;
inline constexpr std::uint32_t kMapCacheNone = 0x00;
inline constexpr std::uint32_t kMapCacheCached = 0x01;
inline constexpr std::uint32_t kMapCacheUncached = 0x02;
inline constexpr std::uint32_t kMapCacheWc = 0x03;

// Config space event bit.
inline constexpr std::uint32_t kEventDisplay = 1u << 0;

inline constexpr std::uint32_t kMaxScanouts = 16;  // entries in RESP_OK_DISPLAY_INFO

struct CtrlHdr {
  std::uint32_t type;
  std::uint32_t flags;
  std::uint64_t fence_id;
  std::uint32_t ctx_id;
  std::uint8_t ring_idx;
  std::uint8_t padding[3];
};

struct Rect {
  std::uint32_t x;
  std::uint32_t y;
  std::uint32_t width;
  std::uint32_t height;
};

struct CursorPos {
  std::uint32_t scanout_id;
  std::uint32_t x;
  std::uint32_t y;
  std::uint32_t padding;
};

struct UpdateCursor {  // UPDATE_CURSOR and MOVE_CURSOR
  CtrlHdr hdr;
  CursorPos pos;
  std::uint32_t resource_id;
  std::uint32_t hot_x;
  std::uint32_t hot_y;
  std::uint32_t padding;
};

struct ResourceCreate2d {
  CtrlHdr hdr;
  std::uint32_t resource_id;
  std::uint32_t format;
  std::uint32_t width;
  std::uint32_t height;
};

struct ResourceIdCmd {  // RESOURCE_UNREF, DETACH_BACKING, UNMAP_BLOB, CTX_{ATTACH,DETACH}
  CtrlHdr hdr;
  std::uint32_t resource_id;
  std::uint32_t padding;
};

struct SetScanout {
  CtrlHdr hdr;
  Rect r;
  std::uint32_t scanout_id;
  std::uint32_t resource_id;
};

struct ResourceFlush {
  CtrlHdr hdr;
  Rect r;
  std::uint32_t resource_id;
  std::uint32_t padding;
};

struct TransferToHost2d {
  CtrlHdr hdr;
  Rect r;
  std::uint64_t offset;
  std::uint32_t resource_id;
  std::uint32_t padding;
};

struct MemEntry {
  std::uint64_t addr;
  std::uint32_t length;
  std::uint32_t padding;
};

struct ResourceAttachBacking {  // followed by nr_entries MemEntry
  CtrlHdr hdr;
  std::uint32_t resource_id;
  std::uint32_t nr_entries;
};

struct DisplayOne {
  Rect r;
  std::uint32_t enabled;
  std::uint32_t flags;
};

struct RespDisplayInfo {
  CtrlHdr hdr;
  DisplayOne pmodes[kMaxScanouts];
};

struct CtxCreate {
  CtrlHdr hdr;
  std::uint32_t nlen;
  std::uint32_t context_init;
  char debug_name[64];
};

struct CmdSubmit {  // followed by `size` bytes of 3D commands
  CtrlHdr hdr;
  std::uint32_t size;
  std::uint32_t padding;
};

struct ResourceCreateBlob {  // followed by nr_entries MemEntry
  CtrlHdr hdr;
  std::uint32_t resource_id;
  std::uint32_t blob_mem;
  std::uint32_t blob_flags;
  std::uint32_t nr_entries;
  std::uint64_t blob_id;
  std::uint64_t size;
};

struct ResourceMapBlob {
  CtrlHdr hdr;
  std::uint32_t resource_id;
  std::uint32_t padding;
  std::uint64_t offset;
};

struct RespMapInfo {
  CtrlHdr hdr;
  std::uint32_t map_info;
  std::uint32_t padding;
};

struct GetCapsetInfo {
  CtrlHdr hdr;
  std::uint32_t capset_index;
  std::uint32_t padding;
};

struct RespCapsetInfo {
  CtrlHdr hdr;
  std::uint32_t capset_id;
  std::uint32_t capset_max_version;
  std::uint32_t capset_max_size;
  std::uint32_t padding;
};

struct GetCapset {  // answered with RESP_OK_CAPSET: the header, then the capset's bytes
  CtrlHdr hdr;
  std::uint32_t capset_id;
  std::uint32_t capset_version;
};

struct ResourceCreate3d {
  CtrlHdr hdr;
  std::uint32_t resource_id;
  std::uint32_t target;
  std::uint32_t format;
  std::uint32_t bind;
  std::uint32_t width;
  std::uint32_t height;
  std::uint32_t depth;
  std::uint32_t array_size;
  std::uint32_t last_level;
  std::uint32_t nr_samples;
  std::uint32_t flags;
  std::uint32_t padding;
};

struct Box {
  std::uint32_t x, y, z, w, h, d;
};

struct Transfer3d {  // TRANSFER_TO_HOST_3D and TRANSFER_FROM_HOST_3D
  CtrlHdr hdr;
  Box box;
  std::uint64_t offset;
  std::uint32_t resource_id;
  std::uint32_t level;
  std::uint32_t stride;
  std::uint32_t layer_stride;
};

// CTX_CREATE.context_init: the capset id of the context type (VIRTIO_GPU_F_CONTEXT_INIT).
inline constexpr std::uint32_t kContextInitCapsetIdMask = 0xff;
// VIRTIO_GPU_CAPSET_VENUS: its command streams are Venus's protocol, not virgl's.
inline constexpr std::uint32_t kCapsetIdVenus = 4;

// Device configuration space (§5.7.4).
struct Config {
  std::uint32_t events_read;
  std::uint32_t events_clear;
  std::uint32_t num_scanouts;
  std::uint32_t num_capsets;
};

static_assert(sizeof(CtrlHdr) == 24);
static_assert(sizeof(Rect) == 16);
static_assert(sizeof(UpdateCursor) == 56);
static_assert(sizeof(ResourceCreate2d) == 40);
static_assert(sizeof(ResourceIdCmd) == 32);
static_assert(sizeof(SetScanout) == 48);
static_assert(sizeof(ResourceFlush) == 48);
static_assert(sizeof(TransferToHost2d) == 56);
static_assert(offsetof(TransferToHost2d, offset) == 40);
static_assert(sizeof(MemEntry) == 16);
static_assert(sizeof(ResourceAttachBacking) == 32);
static_assert(sizeof(DisplayOne) == 24);
static_assert(sizeof(RespDisplayInfo) == 24 + 16 * 24);
static_assert(sizeof(CtxCreate) == 96);
static_assert(sizeof(CmdSubmit) == 32);
static_assert(sizeof(ResourceCreateBlob) == 56);
static_assert(offsetof(ResourceCreateBlob, blob_id) == 40);
static_assert(sizeof(ResourceMapBlob) == 40);
static_assert(offsetof(ResourceMapBlob, offset) == 32);
static_assert(sizeof(RespMapInfo) == 32);
static_assert(sizeof(Config) == 16);
static_assert(sizeof(GetCapsetInfo) == 32);
static_assert(sizeof(RespCapsetInfo) == 40);
static_assert(sizeof(GetCapset) == 32);
static_assert(sizeof(ResourceCreate3d) == 72);
static_assert(sizeof(Transfer3d) == 72);
static_assert(offsetof(Transfer3d, offset) == 48);

}  // namespace vmm::gpu
