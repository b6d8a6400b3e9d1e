#include "devices/gpu/process/process_renderer.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>


namespace vmm::gpu::process {

namespace {

// GET_CAPSET answers are bounded as the in-process renderer bounds them (gpu_limits.h).
constexpr std::uint32_t kMaxCapsetBytes = 64u << 10;

// What a call returns when the process is gone: the device answers the guest an error.
constexpr int kGone = -EPIPE;

// Whether the memory behind FD can no longer get smaller: the process keeps the fd too, and a
// memfd it truncated under vmm's mapping would fault vmm's own reads of the blob (SIGBUS).
// A memfd is sealed against shrinking here (Mesa's and vmm-gpu-process's allow sealing); a
// dma-buf's size is fixed; anything else (a memfd sealed against more seals, a regular file)
// is refused.
bool cannot_shrink(int fd) {
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0) return true;
  if (errno == EPERM) return (fcntl(fd, F_GET_SEALS) & F_SEAL_SHRINK) != 0;
  struct stat st{};
  return errno == EINVAL && fstat(fd, &st) == 0 && !S_ISREG(st.st_mode);
}

}  // namespace

std::unique_ptr<ProcessRenderer> ProcessRenderer::create(const std::string& program,
                                                         const RendererRoot& root, RendererKind kind,
                                                         std::uint64_t memory_limit,
                                                         const std::vector<SharedRam>& ram,
                                                         FenceRetired on_fence, std::string* error) {
  auto process = RendererProcess::start(RendererProcess::options_for(program, root, kind, memory_limit), error);
  if (!process) return nullptr;
  return over(std::move(process), ram, std::move(on_fence), error);
}

std::unique_ptr<ProcessRenderer> ProcessRenderer::over(std::unique_ptr<RendererProcess> process,
                                                       const std::vector<SharedRam>& ram,
                                                       FenceRetired on_fence, std::string* error) {
  std::unique_ptr<ProcessRenderer> r(new ProcessRenderer(std::move(process), std::move(on_fence)));
  auto hello = r->process_->hello(error);
  if (!hello) return nullptr;
  r->hello_ = *hello;
  for (const CapsetEntry& c : hello->capsets) {
    // Its sizes are the process's word: bounded here as the in-process renderer bounds them.
    if (c.max_size == 0 || c.max_size > kMaxCapsetBytes) continue;
    r->capsets_.push_back({c.id, c.max_version, c.max_size});
  }
  if (!r->attach(ram, error)) return nullptr;
  r->state_.pid = r->process_->pid();
  r->state_.state = "serving";
  r->poll();  // its resident memory from the start (no fence is out yet)
  return r;
}

bool ProcessRenderer::attach(const std::vector<SharedRam>& ram, std::string* error) {
  if (ram.size() > kMaxRamRanges) {
    *error = std::to_string(ram.size()) + " RAM ranges, more than the renderer process takes";
    return false;
  }
  UniqueFd staging(memfd_create("vmm-gpu-staging", MFD_CLOEXEC));
  if (!staging.valid() || ftruncate(staging.get(), static_cast<off_t>(kStagingBytes)) != 0) {
    *error = std::string("the renderer's staging area: ") + std::strerror(errno);
    return false;
  }
  try {
    staging_ = Mapping::shared(staging.get(), kStagingBytes, "the renderer's staging area");
  } catch (const std::exception& e) {
    *error = e.what();
    return false;
  }
  AttachRequest request{kStagingBytes, {}};
  std::vector<int> fds{staging.get()};
  for (const SharedRam& r : ram) {
    if (r.fd < 0) {
      *error = "guest RAM is not shareable with the renderer process (no memfd behind it)";
      return false;
    }
    request.range_sizes.push_back(r.size);
    fds.push_back(r.fd);
  }
  ram_ = ram;
  return process_->attach(request, fds, error);
}

std::string ProcessRenderer::description() const {
  return hello_.virgl_description + " (process " + std::to_string(process_->pid()) + ")" +
         (hello_.notes.empty() ? "" : "; " + hello_.notes);
}

std::optional<CallReply> ProcessRenderer::call(CallOp op, std::vector<std::uint64_t> args,
                                               std::uint64_t staged, std::string text, UniqueFd* fd) {
  std::string error;  // RendererProcess logged it, once, when the process went
  auto reply = process_->call(CallRequest{op, std::move(args), std::move(text), staged}, fd, &error);
  if (!reply && !process_->gone().empty()) {
    std::lock_guard lock(state_mutex_);
    if (state_.state == "serving") {
      state_.state = process_->gone();
      state_.resident_bytes = 0;
    }
  }
  return reply;
}

int ProcessRenderer::rc_of(CallOp op, std::vector<std::uint64_t> args, std::uint64_t staged) {
  auto reply = call(op, std::move(args), staged);
  return reply ? reply->rc : failed_call();
}

int ProcessRenderer::failed_call() const {
  // An Error message is the process refusing a request it could not decode: it is still
  // there, the request was wrong (-EIO); anything else means it is gone.
  return process_->gone().empty() ? -EIO : kGone;
}

std::int64_t ProcessRenderer::stage_pages(std::span<const iovec> pages) {
  if (pages.size() * kPageRefBytes > kStagingBytes) return -E2BIG;
  std::uint8_t* at = staging_.data();
  for (const iovec& page : pages) {
    const auto* base = static_cast<const std::uint8_t*>(page.iov_base);
    std::uint64_t ref[3] = {0, 0, page.iov_len};
    bool found = false;
    for (std::size_t i = 0; i < ram_.size() && !found; ++i) {
      const SharedRam& r = ram_[i];
      if (base < r.host || base > r.host + r.size) continue;
      const std::uint64_t offset = static_cast<std::uint64_t>(base - r.host);
      if (page.iov_len > r.size - offset) continue;
      ref[0] = i;
      ref[1] = offset;
      found = true;
    }
    if (!found) return -EFAULT;
    std::memcpy(at, ref, sizeof(ref));
    at += sizeof(ref);
  }
  return static_cast<std::int64_t>(pages.size() * kPageRefBytes);
}

std::vector<std::uint8_t> ProcessRenderer::capset(std::uint32_t id, std::uint32_t version) {
  auto reply = call(CallOp::Capset, {id, version});
  std::uint32_t max_size = 0;
  for (const CapsetInfo& c : capsets_)
    if (c.id == id) max_size = c.max_size;
  if (!reply || reply->rc != 0 || reply->staged > max_size) return {};
  // Copied once out of the shared area, bounded by the size hello announced.
  return std::vector<std::uint8_t>(staging_.data(), staging_.data() + reply->staged);
}

int ProcessRenderer::create_context(std::uint32_t ctx, std::uint32_t capset_id, std::string_view name) {
  auto reply = call(CallOp::CreateContext, {ctx, capset_id}, 0, std::string(name.substr(0, kMaxString)));
  return reply ? reply->rc : failed_call();
}

void ProcessRenderer::destroy_context(std::uint32_t ctx) { call(CallOp::DestroyContext, {ctx}); }
void ProcessRenderer::attach_resource(std::uint32_t ctx, std::uint32_t res) {
  call(CallOp::AttachResource, {ctx, res});
}
void ProcessRenderer::detach_resource(std::uint32_t ctx, std::uint32_t res) {
  call(CallOp::DetachResource, {ctx, res});
}

int ProcessRenderer::submit(std::uint32_t ctx, std::span<const std::uint32_t> commands) {
  const std::uint64_t bytes = commands.size_bytes();
  if (bytes > kStagingBytes) return -E2BIG;
  if (bytes != 0) std::memcpy(staging_.data(), commands.data(), bytes);
  return rc_of(CallOp::Submit, {ctx}, bytes);
}

int ProcessRenderer::create_resource_3d(const Resource3dArgs& a) {
  return rc_of(CallOp::CreateResource3d, {a.resource_id, a.target, a.format, a.bind, a.width, a.height,
                                          a.depth, a.array_size, a.last_level, a.nr_samples, a.flags});
}

int ProcessRenderer::create_blob(const BlobArgs& a) {
  const std::int64_t staged = stage_pages(a.guest_pages);
  if (staged < 0) return static_cast<int>(staged);
  return rc_of(CallOp::CreateBlob, {a.resource_id, a.ctx_id, a.blob_mem, a.blob_flags, a.blob_id, a.size},
               static_cast<std::uint64_t>(staged));
}

void ProcessRenderer::unref_resource(std::uint32_t res) {
  mapped_.erase(res);  // the guest's slot let go first: VirglBackend's hold says when
  call(CallOp::UnrefResource, {res});
}

int ProcessRenderer::attach_backing(std::uint32_t res, std::span<const iovec> pages) {
  const std::int64_t staged = stage_pages(pages);
  if (staged < 0) return static_cast<int>(staged);
  return rc_of(CallOp::AttachBacking, {res}, static_cast<std::uint64_t>(staged));
}

void ProcessRenderer::detach_backing(std::uint32_t res) { call(CallOp::DetachBacking, {res}); }

std::vector<std::uint64_t> ProcessRenderer::transfer_args(const TransferArgs& a) {
  return {a.resource_id, a.ctx_id, a.level, a.stride, a.layer_stride, a.x, a.y, a.z, a.w, a.h, a.d, a.offset};
}

int ProcessRenderer::transfer_to_host(const TransferArgs& a) {
  return rc_of(CallOp::TransferToHost, transfer_args(a));
}

int ProcessRenderer::transfer_from_host(const TransferArgs& a, std::span<const iovec> into) {
  if (into.empty()) return rc_of(CallOp::TransferFromHost, transfer_args(a));
  // vmm's own buffers (a screenshot's read-back): the process writes into the staging area
  // after the page list, and the bytes are copied out here.
  const std::uint64_t list = into.size() * kPageRefBytes;
  std::uint64_t total = 0;
  for (const iovec& v : into) total += v.iov_len;
  if (list > kStagingBytes || total > kStagingBytes - list) return -E2BIG;
  std::uint64_t at = list;
  for (std::size_t i = 0; i < into.size(); ++i) {
    const std::uint64_t ref[3] = {kStagingRange, at, into[i].iov_len};
    std::memcpy(staging_.data() + i * kPageRefBytes, ref, sizeof(ref));
    at += into[i].iov_len;
  }
  const int rc = rc_of(CallOp::TransferFromHost, transfer_args(a), list);
  if (rc != 0) return rc;
  at = list;
  for (const iovec& v : into) {
    std::memcpy(v.iov_base, staging_.data() + at, v.iov_len);
    at += v.iov_len;
  }
  return 0;
}

int ProcessRenderer::map_blob(std::uint32_t res, RendererMapping* out) {
  if (mapped_.count(res)) return -EBUSY;  // the device maps a blob once
  UniqueFd fd;
  auto reply = call(CallOp::MapBlob, {res}, 0, {}, &fd);
  if (!reply) return failed_call();
  if (reply->rc != 0) return reply->rc;
  // A reply vmm does not map: the process mapped the blob on its side before answering.
  const auto refuse = [&](int rc) {
    call(CallOp::UnmapBlob, {res});
    return rc;
  };
  if (!fd.valid() || reply->values.size() != 3) return refuse(-EPROTO);
  // OFFSET is where the blob starts in the fd's file: not always 0 (lavapipe's opaque fd
  // is a memfd whose first page is its own header). Mapped from the page it starts in.
  const std::uint64_t size = reply->values[0], offset = reply->values[2];
  const auto page = static_cast<std::uint64_t>(getpagesize());
  if (size == 0 || size > (1ull << 40) || offset > (1ull << 40)) return refuse(-EPROTO);
  const std::uint64_t file_start = offset / page * page, in_page = offset - file_start;
  // The memory behind the fd must cover what vmm will map: past its end, a guest access
  // would find no page (and vmm's own reads would fault).
  const std::uint64_t length = (in_page + size + page - 1) / page * page;
  const off_t end = lseek(fd.get(), 0, SEEK_END);
  if (end < 0 || static_cast<std::uint64_t>(end) < file_start + length || !cannot_shrink(fd.get()))
    return refuse(-EPROTO);
  MappedBlob blob;
  try {
    blob.mapping = Mapping::shared(fd.get(), length, "a renderer blob", file_start);
  } catch (const std::exception&) {
    return refuse(-ENOMEM);
  }
  const auto info = static_cast<std::int64_t>(reply->values[1]);
  blob.info = info >= 0 && info <= 0xf ? static_cast<int>(info) : -EINVAL;
  out->data = blob.mapping.data() + in_page;
  out->size = size;
  mapped_[res] = std::move(blob);
  return 0;
}

int ProcessRenderer::unmap_blob(std::uint32_t res) {
  mapped_.erase(res);
  return rc_of(CallOp::UnmapBlob, {res});
}

int ProcessRenderer::map_info(std::uint32_t res) {
  if (auto it = mapped_.find(res); it != mapped_.end()) return it->second.info;
  return rc_of(CallOp::MapInfo, {res});
}

int ProcessRenderer::create_fence(std::uint32_t ctx, std::uint32_t ring, std::uint64_t fence_id,
                                  bool per_context) {
  return rc_of(CallOp::CreateFence, {ctx, ring, fence_id, per_context ? 1u : 0u});
}

void ProcessRenderer::poll() {
  auto reply = call(CallOp::Poll, {});
  if (!reply || reply->rc != 0 || reply->values.size() != 2) return;
  {
    std::lock_guard lock(state_mutex_);
    state_.resident_bytes = reply->values[1];
  }
  const std::uint64_t count = reply->values[0];
  if (count > reply->staged / kFenceRecordBytes) return;  // does not add up: ignored
  // Copied out first: the process shares the area and could rewrite it while we read.
  std::vector<std::uint64_t> records(count * 4);
  if (count != 0) std::memcpy(records.data(), staging_.data(), count * kFenceRecordBytes);
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t* f = &records[i * 4];
    // The device matches each against the fences it created: an invented one retires nothing.
    on_fence_(static_cast<std::uint32_t>(f[0]), static_cast<std::uint32_t>(f[1]), f[2], f[3] != 0);
  }
}

std::optional<RendererProcessState> ProcessRenderer::process_state() const {
  std::lock_guard lock(state_mutex_);
  return state_;
}

}  // namespace vmm::gpu::process
