#include "devices/gpu/process/renderer_call_server.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "devices/gpu/process/process_memory.h"
#include "devices/gpu/process/self_maps.h"

namespace vmm::gpu::process {

namespace {

std::uint32_t u32_arg(const CallRequest& c, std::size_t i) { return static_cast<std::uint32_t>(c.args[i]); }

CallReply rc_reply(int rc) { return CallReply{rc, {}, 0}; }

TransferArgs transfer_args(const CallRequest& c) {
  TransferArgs t{};
  t.resource_id = u32_arg(c, 0);
  t.ctx_id = u32_arg(c, 1);
  t.level = u32_arg(c, 2);
  t.stride = u32_arg(c, 3);
  t.layer_stride = u32_arg(c, 4);
  t.x = u32_arg(c, 5);
  t.y = u32_arg(c, 6);
  t.z = u32_arg(c, 7);
  t.w = u32_arg(c, 8);
  t.h = u32_arg(c, 9);
  t.d = u32_arg(c, 10);
  t.offset = c.args[11];
  return t;
}

}  // namespace

GpuRenderer::FenceRetired RendererCallServer::fence_sink() {
  return [this](std::uint32_t ctx, std::uint32_t ring, std::uint64_t fence, bool per_context) {
    // Bounded by what vmm asked for: the device holds at most kMaxPendingFences, and each
    // retires once. The cap is a guard against a renderer that reports one many times.
    if (retired_.size() < kStagingBytes / kFenceRecordBytes) retired_.push_back({ctx, ring, fence, per_context});
  };
}

bool RendererCallServer::attach(const AttachRequest& request, std::vector<UniqueFd> fds,
                                std::string* error) {
  if (attached()) {
    *error = "attach: already attached";
    return false;
  }
  if (fds.size() != request.range_sizes.size() + 1) {
    *error = "attach: " + std::to_string(fds.size()) + " fds for " +
             std::to_string(request.range_sizes.size()) + " ranges and the staging area";
    return false;
  }
  try {
    Mapping staging = Mapping::shared(fds[0].get(), request.staging_bytes, "the staging area");
    std::vector<Mapping> ranges;
    for (std::size_t i = 0; i < request.range_sizes.size(); ++i) {
      struct stat st{};
      if (fstat(fds[i + 1].get(), &st) != 0 || static_cast<std::uint64_t>(st.st_size) < request.range_sizes[i]) {
        *error = "attach: guest RAM range " + std::to_string(i) + "'s fd is smaller than its " +
                 std::to_string(request.range_sizes[i]) + " bytes";
        return false;
      }
      ranges.push_back(Mapping::shared(fds[i + 1].get(), request.range_sizes[i], "guest RAM"));
    }
    staging_ = std::move(staging);
    ranges_ = std::move(ranges);
  } catch (const std::exception& e) {
    *error = std::string("attach: ") + e.what();
    return false;
  }
  return true;
}

std::optional<std::vector<iovec>> RendererCallServer::pages(const CallRequest& call) const {
  if (call.staged % kPageRefBytes != 0) return std::nullopt;
  std::vector<iovec> out;
  out.reserve(call.staged / kPageRefBytes);
  // The list sits at the staging area's start; a page into the staging area must lie after it.
  const std::uint64_t list_end = call.staged;
  for (std::uint64_t at = 0; at < call.staged; at += kPageRefBytes) {
    std::uint64_t ref[3];
    std::memcpy(ref, staging_.data() + at, sizeof(ref));
    const std::uint64_t range = ref[0], offset = ref[1], length = ref[2];
    const Mapping* m = nullptr;
    std::uint64_t floor = 0;
    if (range == kStagingRange) m = &staging_, floor = list_end;
    else if (range < ranges_.size()) m = &ranges_[range];
    if (m == nullptr || offset < floor || offset > m->size() || length > m->size() - offset)
      return std::nullopt;
    out.push_back({m->data() + offset, static_cast<std::size_t>(length)});
  }
  return out;
}

CallReply RendererCallServer::serve(const CallRequest& c, UniqueFd* fd_out) {
  if (!attached() || renderer_ == nullptr) return rc_reply(-EPROTO);
  if (call_arg_count(c.op) != static_cast<int>(c.args.size()) || c.staged > staging_.size())
    return rc_reply(-EINVAL);
  GpuRenderer& r = *renderer_;
  switch (c.op) {
    case CallOp::Capset: return capset(c);
    case CallOp::CreateContext: return rc_reply(r.create_context(u32_arg(c, 0), u32_arg(c, 1), c.text));
    case CallOp::DestroyContext: r.destroy_context(u32_arg(c, 0)); return rc_reply(0);
    case CallOp::AttachResource: r.attach_resource(u32_arg(c, 0), u32_arg(c, 1)); return rc_reply(0);
    case CallOp::DetachResource: r.detach_resource(u32_arg(c, 0), u32_arg(c, 1)); return rc_reply(0);
    case CallOp::Submit: {
      if (c.staged % 4 != 0) return rc_reply(-EINVAL);
      // Copied out of the shared area first: vmm could rewrite it while virglrenderer parses.
      std::vector<std::uint32_t> words(c.staged / 4);
      // An empty stream (SUBMIT_3D of size 0) has no words: memcpy must not see their null data().
      if (c.staged != 0) std::memcpy(words.data(), staging_.data(), c.staged);
      return rc_reply(r.submit(u32_arg(c, 0), words));
    }
    case CallOp::CreateResource3d: {
      Resource3dArgs a{u32_arg(c, 0), u32_arg(c, 1), u32_arg(c, 2), u32_arg(c, 3),
                       u32_arg(c, 4), u32_arg(c, 5), u32_arg(c, 6), u32_arg(c, 7),
                       u32_arg(c, 8), u32_arg(c, 9), u32_arg(c, 10)};
      return rc_reply(r.create_resource_3d(a));
    }
    case CallOp::CreateBlob:
    case CallOp::AttachBacking:
    case CallOp::TransferFromHost: return serve_pages(c);
    case CallOp::UnrefResource:
      r.unref_resource(u32_arg(c, 0));
      backings_.erase(u32_arg(c, 0));
      return rc_reply(0);
    case CallOp::DetachBacking:
      r.detach_backing(u32_arg(c, 0));
      backings_.erase(u32_arg(c, 0));
      return rc_reply(0);
    case CallOp::TransferToHost: return rc_reply(r.transfer_to_host(transfer_args(c)));
    case CallOp::MapBlob: return map_blob(u32_arg(c, 0), fd_out);
    case CallOp::UnmapBlob: return rc_reply(r.unmap_blob(u32_arg(c, 0)));
    case CallOp::MapInfo: return rc_reply(r.map_info(u32_arg(c, 0)));
    case CallOp::CreateFence:
      return rc_reply(r.create_fence(u32_arg(c, 0), u32_arg(c, 1), c.args[2], c.args[3] != 0));
    case CallOp::Poll: return poll();
  }
  return rc_reply(-ENOSYS);
}

CallReply RendererCallServer::serve_pages(const CallRequest& c) {
  auto list = pages(c);
  if (!list) return rc_reply(-EINVAL);
  GpuRenderer& r = *renderer_;
  const std::uint32_t resource = u32_arg(c, 0);
  switch (c.op) {
    case CallOp::CreateBlob: {
      BlobArgs a{resource, u32_arg(c, 1), u32_arg(c, 2), u32_arg(c, 3), c.args[4], c.args[5], {}};
      auto& kept = backings_[resource];
      // The renderer still holds this id's pages (its id is taken): replacing or erasing
      // them here would free the array it reads them through.
      if (!kept.empty()) return rc_reply(-EBUSY);
      kept = std::move(*list);
      a.guest_pages = kept;
      const int rc = r.create_blob(a);
      if (rc != 0 || kept.empty()) backings_.erase(resource);
      return rc_reply(rc);
    }
    case CallOp::AttachBacking: {
      auto& kept = backings_[resource];
      if (!kept.empty()) return rc_reply(-EBUSY);  // the device detaches first
      kept = std::move(*list);
      const int rc = r.attach_backing(resource, kept);
      if (rc != 0) backings_.erase(resource);
      return rc_reply(rc);
    }
    default:  // TransferFromHost: an empty list reads into the attached backing
      return rc_reply(r.transfer_from_host(transfer_args(c), *list));
  }
}

CallReply RendererCallServer::capset(const CallRequest& c) {
  const auto bytes = renderer_->capset(u32_arg(c, 0), u32_arg(c, 1));
  if (bytes.size() > staging_.size()) return rc_reply(-E2BIG);
  if (!bytes.empty()) std::memcpy(staging_.data(), bytes.data(), bytes.size());
  return CallReply{0, {}, bytes.size()};
}

CallReply RendererCallServer::poll() {
  renderer_->poll();
  const std::size_t n = retired_.size();
  for (std::size_t i = 0; i < n; ++i) {
    const Fence& f = retired_[i];
    const std::uint64_t record[4] = {f.ctx, f.ring, f.fence, f.per_context ? 1u : 0u};
    std::memcpy(staging_.data() + i * kFenceRecordBytes, record, sizeof(record));
  }
  retired_.clear();
  // Measured at most once a second: vmm polls every millisecond while fences are out, and
  // the figure is for the report, not for the poll.
  const auto now = std::chrono::steady_clock::now();
  if (now - resident_measured_at_ >= std::chrono::seconds(1)) {
    resident_bytes_ = resident_bytes_with_children(getpid());
    resident_measured_at_ = now;
  }
  return CallReply{0, {n, resident_bytes_}, n * kFenceRecordBytes};
}

CallReply RendererCallServer::map_blob(std::uint32_t resource, UniqueFd* fd_out) {
  GpuRenderer& r = *renderer_;
  // Mapped here first: virglrenderer learns the blob's size and cache type only once it is
  // mapped (and for a virgl blob, map is what gives it storage).
  RendererMapping mapping;
  if (int rc = r.map_blob(resource, &mapping); rc != 0) return rc_reply(rc);
  std::uint64_t offset = 0;
  int exported = -1;
  bool dma_buf = false;
  if (int rc = r.export_blob(resource, &exported, &dma_buf); rc != 0 || exported < 0) {
    // A driver that cannot export the storage (llvmpipe's GL buffers are malloc'd): the
    // pages under the mapping are given a memfd in place (share_in_place()).
    log_export_refusal(resource, "virglrenderer exports no fd", rc);
    exported = share_in_place(mapping, &offset);
    if (exported < 0) {
      r.unmap_blob(resource);
      return rc_reply(exported);
    }
  } else {
    UniqueFd fd(exported);
    // Where the blob starts in the exported file is where virglrenderer's own mapping of it
    // lies in that file: lavapipe's opaque fd (Venus) is a memfd that begins with a header
    // page, so offset 0 would give the guest the header and shift every byte it shares. A
    // dma-buf is the buffer itself; mapped through something else (a GPU driver's own
    // mmap of the object), offset 0 is its start. Anything else, unplaced, is refused.
    if (auto at = offset_in_fd(reinterpret_cast<std::uintptr_t>(mapping.data), fd.get())) {
      offset = *at;
    } else if (!dma_buf) {
      log_export_refusal(resource, "the exported fd is not what virglrenderer mapped", -ENOTSUP);
      r.unmap_blob(resource);
      return rc_reply(-ENOTSUP);
    }
    exported = fd.release();
  }
  *fd_out = UniqueFd(exported);
  const int info = r.map_info(resource);
  return CallReply{0, {mapping.size, static_cast<std::uint64_t>(static_cast<std::int64_t>(info)), offset}, 0};
}

void RendererCallServer::log_export_refusal(std::uint32_t resource, const char* why, int rc) {
  if (exports_refused_ >= kExportRefusalsLogged) return;
  ++exports_refused_;
  std::fprintf(stderr, "vmm-gpu-process: resource %u: %s (%d)%s\n", resource, why, rc,
               exports_refused_ == kExportRefusalsLogged ? " (no more such lines)" : "");
}

int RendererCallServer::share_in_place(const RendererMapping& mapping, std::uint64_t* offset) {
  const auto page = static_cast<std::uintptr_t>(getpagesize());
  const auto at = reinterpret_cast<std::uintptr_t>(mapping.data);
  if (mapping.data == nullptr || mapping.size == 0 || mapping.size > (1ull << 40)) return -EINVAL;
  const std::uintptr_t start = at & ~(page - 1);
  const std::uintptr_t end = (at + mapping.size + page - 1) & ~(page - 1);
  const std::size_t length = end - start;
  // Only private anonymous memory may be copied into a memfd: pages that are already some
  // file's shared mapping (a render server's memfd) would be cut off from their other users.
  if (!private_anonymous(start, end)) return -ENOTSUP;
  // Sealed against shrinking: vmm maps it only when its size can no longer go down.
  UniqueFd fd(memfd_create("vmm-gpu-blob", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd.valid() || ftruncate(fd.get(), static_cast<off_t>(length)) != 0 ||
      fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK) != 0)
    return -errno;
  // The pages' bytes now, then the memfd over them at the same address: the driver's
  // pointer stays valid and sees what it saw, and vmm can map the same pages. Nothing else
  // runs meanwhile (llvmpipe has no rasterizer threads here: LP_NUM_THREADS=0).
  void* copy = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (copy == MAP_FAILED) return -errno;
  std::memcpy(copy, reinterpret_cast<void*>(start), length);
  munmap(copy, length);
  if (mmap(reinterpret_cast<void*>(start), length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd.get(), 0) ==
      MAP_FAILED)
    return -errno;
  *offset = at - start;
  return fd.release();
}

}  // namespace vmm::gpu::process
