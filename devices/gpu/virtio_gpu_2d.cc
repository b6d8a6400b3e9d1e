// VirtioGpu: display info, 2D resources, backing, transfers, scanout, flush and cursor.
#include <spdlog/spdlog.h>

#include <cstring>
#include <system_error>

#include "base/guest_log.h"
#include "devices/gpu/gpu_limits.h"
#include "devices/gpu/gpu_request.h"
#include "devices/gpu/virtio_gpu.h"

namespace vmm {

using namespace gpu;

namespace {

bool rect_inside(const Rect& r, std::uint32_t width, std::uint32_t height) {
  return std::uint64_t{r.x} + r.width <= width && std::uint64_t{r.y} + r.height <= height;
}

std::string describe(const Rect& r) {
  return std::to_string(r.width) + "x" + std::to_string(r.height) + "+" + std::to_string(r.x) +
         "+" + std::to_string(r.y);
}

}  // namespace

VirtioGpu::Reply VirtioGpu::handle(const GetDisplayInfoCmd&, const GpuRequest&) {
  RespDisplayInfo info{};
  info.pmodes[0].r = {0, 0, config_.width, config_.height};
  info.pmodes[0].enabled = 1;
  return Reply::of(resp::kOkDisplayInfo, info);
}

VirtioGpu::Reply VirtioGpu::handle(const ResourceCreate2dCmd& c, const GpuRequest&) {
  constexpr std::uint32_t kName = ResourceCreate2dCmd::kType;
  const ResourceCreate2d& cmd = c.wire;
  const std::string id = "resource " + std::to_string(cmd.resource_id);
  if (cmd.resource_id == 0) return fail(resp::kErrInvalidResourceId, kName, "resource id 0");
  if (resources_.count(cmd.resource_id))
    return fail(resp::kErrInvalidResourceId, kName, id + " exists already");
  auto format = find_pixel_format(cmd.format);
  if (!format)
    return fail(resp::kErrInvalidParameter, kName, "unknown format " + std::to_string(cmd.format));
  if (cmd.width == 0 || cmd.height == 0)
    return fail(resp::kErrInvalidParameter, kName, id + " has a zero dimension");
  const std::uint64_t bytes = std::uint64_t{cmd.width} * cmd.height * kBytesPerPixel;
  if (cmd.width > limits::kMaxDimension || cmd.height > limits::kMaxDimension ||
      bytes > limits::kMaxImageBytes)
    return fail(resp::kErrOutOfMemory, kName,
                id + ": " + std::to_string(cmd.width) + "x" + std::to_string(cmd.height) +
                    " is larger than this device allows");
  if (resources_.size() >= limits::kMaxResources || bytes > limits::kMaxTotalImageBytes - image_bytes_)
    return fail(resp::kErrOutOfMemory, kName, id + ": resource limits reached");

  GpuResource res;
  res.id = cmd.resource_id;
  res.kind = ResourceKind::Image2d;
  res.format = format;
  res.width = cmd.width;
  res.height = cmd.height;
  try {
    res.image = Mapping::anonymous(bytes, "a 2D resource image");
  } catch (const std::system_error& e) {
    return fail(resp::kErrOutOfMemory, kName, e.what());
  }
  image_bytes_ += bytes;
  resources_.emplace(res.id, std::move(res));
  return {resp::kOkNodata, {}};
}

VirtioGpu::Reply VirtioGpu::handle(const ResourceUnrefCmd& c, GpuResource&, const GpuRequest&) {
  const ResourceIdCmd& cmd = c.wire;
  std::uint32_t type = resp::kOkNodata;
  std::unique_lock region_lock(region_mutex_);
  if (region_.is_mapped(cmd.resource_id)) {
    auto unmapped = region_.unmap(cmd.resource_id);
    if (!unmapped.ok()) {
      VMM_GUEST_LOG(spdlog::level::warn, "virtio-gpu: unmapping gpu-blob {} at unref: {}", cmd.resource_id,
                   unmapped.error);
      type = resp::kErrUnspec;
    }
  }
  region_lock.unlock();
  forget_resource(cmd.resource_id);
  return {type, {}};
}

VirtioGpu::Reply VirtioGpu::handle(const SetScanoutCmd& c, const GpuRequest&) {
  constexpr std::uint32_t kName = SetScanoutCmd::kType;
  const SetScanout& cmd = c.wire;
  if (cmd.scanout_id != 0)
    return fail(resp::kErrInvalidScanoutId, kName,
                "no scanout " + std::to_string(cmd.scanout_id));
  if (cmd.resource_id == 0) {
    scanout_.reset();
    return {resp::kOkNodata, {}};
  }
  GpuResource* res = find_resource(cmd.resource_id);
  if (res == nullptr)
    return fail(resp::kErrInvalidResourceId, kName, "no resource " + std::to_string(cmd.resource_id));
  if (res->kind != ResourceKind::Image2d && res->kind != ResourceKind::Renderer3d)
    return fail(resp::kErrInvalidParameter, kName, "resource is not a 2D or 3D image");
  if (cmd.r.width == 0 || cmd.r.height == 0 || !rect_inside(cmd.r, res->width, res->height))
    return fail(resp::kErrInvalidParameter, kName,
                "rectangle " + describe(cmd.r) + " is empty or outside the resource");
  scanout_ = ScanoutState{cmd.resource_id, cmd.r};
  return {resp::kOkNodata, {}};
}

VirtioGpu::Reply VirtioGpu::handle(const ResourceFlushCmd& c, GpuResource& res, const GpuRequest&) {
  const ResourceFlush& cmd = c.wire;
  if (res.kind == ResourceKind::Image2d && !rect_inside(cmd.r, res.width, res.height))
    return fail(resp::kErrInvalidParameter, ResourceFlushCmd::kType,
                "rectangle " + describe(cmd.r) + " is outside the resource");
  if (res.kind == ResourceKind::Renderer3d && scanout_ && scanout_->resource_id == res.id)
    scanout_image_ = backend_->read_back(res);  // what --gpu-screenshot saves
  ++stats_.flushes;
  return {resp::kOkNodata, {}};
}

VirtioGpu::Reply VirtioGpu::handle(const TransferToHost2dCmd& c, GpuResource& res, const GpuRequest&) {
  constexpr std::uint32_t kName = TransferToHost2dCmd::kType;
  const TransferToHost2d& cmd = c.wire;
  if (res.kind != ResourceKind::Image2d)
    return fail(resp::kErrInvalidParameter, kName, "resource is not a 2D resource");
  if (!res.backing) return fail(resp::kErrInvalidParameter, kName, "no backing attached");
  if (!rect_inside(cmd.r, res.width, res.height))
    return fail(resp::kErrInvalidParameter, kName,
                "rectangle " + describe(cmd.r) + " is outside the resource");
  if (cmd.r.width == 0 || cmd.r.height == 0) return {resp::kOkNodata, {}};

  // The backing has the resource's layout; `offset` locates the rectangle's first pixel.
  const std::uint64_t stride = res.stride();
  const std::uint64_t row_bytes = std::uint64_t{cmd.r.width} * kBytesPerPixel;
  const std::uint64_t span = (cmd.r.height - 1) * stride + row_bytes;  // <= image size
  const BackingStore& backing = *res.backing;
  if (cmd.offset > backing.size() || span > backing.size() - cmd.offset)
    return fail(resp::kErrInvalidParameter, kName,
                "offset " + std::to_string(cmd.offset) + " + " + std::to_string(span) +
                    " bytes runs past the " + std::to_string(backing.size()) + "-byte backing");
  for (std::uint32_t row = 0; row < cmd.r.height; ++row) {
    std::uint8_t* dst = res.image.data() + (cmd.r.y + row) * stride + cmd.r.x * kBytesPerPixel;
    if (!backing.read(memory_, cmd.offset + row * stride, std::span(dst, row_bytes)))
      return fail(resp::kErrInvalidParameter, kName, "backing no longer readable");
  }
  return {resp::kOkNodata, {}};
}

// Summed when asked rather than kept in a counter: at most kMaxResources steps, once per
// ATTACH_BACKING/CREATE_BLOB, and it cannot drift from what the resources really hold.
std::uint64_t VirtioGpu::backing_entries_in_use() const {
  std::uint64_t total = 0;
  for (const auto& [id, res] : resources_)
    if (res.backing) total += res.backing->entry_count();
  return total;
}

std::optional<BackingStore> VirtioGpu::read_backing(const GpuRequest& req, std::uint64_t offset,
                                                    std::uint32_t count,
                                                    std::uint32_t command, Reply* reply) {
  if (count == 0) {
    *reply = fail(resp::kErrInvalidParameter, command, "no backing entries");
    return std::nullopt;
  }
  if (count > limits::kMaxBackingEntries) {
    *reply = fail(resp::kErrOutOfMemory, command,
                  std::to_string(count) + " backing entries is more than this device allows");
    return std::nullopt;
  }
  if (const std::uint64_t in_use = backing_entries_in_use();
      in_use + count > limits::kMaxTotalBackingEntries) {
    *reply = fail(resp::kErrOutOfMemory, command,
                  std::to_string(count) + " more backing entries would exceed the device's " +
                      std::to_string(limits::kMaxTotalBackingEntries) + " (" +
                      std::to_string(in_use) + " in use)");
    return std::nullopt;
  }
  std::vector<MemEntry> entries(count);
  if (!req.read_bytes(offset, std::span(reinterpret_cast<std::uint8_t*>(entries.data()),
                                        entries.size() * sizeof(MemEntry)))) {
    *reply = fail(resp::kErrUnspec, command, "request shorter than its backing entries");
    return std::nullopt;
  }
  std::string error;
  auto store = BackingStore::build(memory_, entries, &error);
  if (!store) *reply = fail(resp::kErrInvalidParameter, command, error);
  return store;
}

VirtioGpu::Reply VirtioGpu::handle(const AttachBackingCmd& c, GpuResource& res, const GpuRequest& req) {
  constexpr std::uint32_t kName = AttachBackingCmd::kType;
  const ResourceAttachBacking& cmd = c.wire;
  if (res.kind != ResourceKind::Image2d && res.kind != ResourceKind::Renderer3d)
    return fail(resp::kErrInvalidParameter, kName, "resource is not a 2D or 3D image");
  if (res.backing) return fail(resp::kErrInvalidParameter, kName, "backing already attached");
  Reply reply{resp::kOkNodata, {}};
  auto store = read_backing(req, sizeof(cmd), cmd.nr_entries, kName, &reply);
  if (!store) return reply;
  if (res.kind == ResourceKind::Renderer3d) {  // the backend's: it may lend the pages on
    if (Reply lent = backend_->attach_backing(res, *store); resp::is_error(lent.type)) return lent;
  }
  res.backing = std::move(store);
  return reply;
}

VirtioGpu::Reply VirtioGpu::handle(const DetachBackingCmd&, GpuResource& res, const GpuRequest&) {
  if (!res.backing) return fail(resp::kErrInvalidParameter, DetachBackingCmd::kType, "no backing attached");
  // A backend that lent the pages on takes them back, so the budget of backing entries
  // counts what is really held.
  if (res.in_renderer()) backend_->detach_backing(res);
  res.backing.reset();
  return {resp::kOkNodata, {}};
}

VirtioGpu::Reply VirtioGpu::handle(const MoveCursorCmd& c, const GpuRequest&) {
  if (c.wire.pos.scanout_id != 0)
    return fail(resp::kErrInvalidScanoutId, MoveCursorCmd::kType,
                "no scanout " + std::to_string(c.wire.pos.scanout_id));
  cursor_.pos = c.wire.pos;
  return {resp::kOkNodata, {}};
}

VirtioGpu::Reply VirtioGpu::handle(const UpdateCursorCmd& c, const GpuRequest&) {
  constexpr std::uint32_t kName = UpdateCursorCmd::kType;
  const UpdateCursor& cmd = c.wire;
  if (cmd.pos.scanout_id != 0)
    return fail(resp::kErrInvalidScanoutId, kName, "no scanout " + std::to_string(cmd.pos.scanout_id));
  if (cmd.resource_id != 0 && find_resource(cmd.resource_id) == nullptr)
    return fail(resp::kErrInvalidResourceId, kName, "no resource " + std::to_string(cmd.resource_id));
  cursor_ = cmd;
  return {resp::kOkNodata, {}};
}

}  // namespace vmm
