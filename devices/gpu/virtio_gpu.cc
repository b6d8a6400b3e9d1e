#include "devices/gpu/virtio_gpu.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "base/guest_log.h"
#include "base/fnv1a.h"
#include "devices/gpu/gpu_backend_choice.h"
#include "devices/gpu/gpu_limits.h"
#include "devices/gpu/gpu_request.h"
#include "devices/gpu/virtio_gpu_names.h"

namespace vmm {

using namespace gpu;

namespace {

constexpr std::uint16_t kControlQueueSize = 256;

// What a held response keeps of its chain: the head, and the writable buffers that the
// response's bytes fill, at most limits::kMaxHeldWritableBuffers.
DescriptorChain held_part(const DescriptorChain& chain, std::size_t response_bytes) {
  DescriptorChain held;
  held.head = chain.head;
  std::uint64_t covered = 0;
  for (const VirtqBuffer& buffer : chain.writable) {
    if (covered >= response_bytes || held.writable.size() >= limits::kMaxHeldWritableBuffers) break;
    held.writable.push_back(buffer);
    covered += buffer.len;
  }
  return held;
}
constexpr std::uint16_t kCursorQueueSize = 16;

const VirtioGpuConfig& checked(const VirtioGpuConfig& config) {
  if (auto problem = validate(config)) throw std::invalid_argument(*problem);
  return config;
}

}  // namespace

VirtioGpu::VirtioGpu(const GuestMemory& memory, MemoryMapper& mapper, VirtioGpuConfig config,
                     RendererFactory make_renderer)
    : memory_(memory),
      config_(checked(config)),
      region_(mapper, config.hostmem_size, config.mapping,
              // The fixed region holds device memory, so auto tags it as WC blobs would be.
              blob_memslot_cache_type(config.memslot_cache, gpu::kMapCacheWc)) {
  gpu::BackendDevice& self = *this;
  backend_ = make_gpu_backend(self, config_, memory_.total_size(), std::move(make_renderer));
  if (backend_->threaded()) start_render_thread();
}

VirtioGpu::~VirtioGpu() {
  if (render_thread_) {
    stop_render_thread();
    return;
  }
  std::lock_guard lock(mutex_);
  clear_state();
}

void VirtioGpu::start_render_thread() {
  render_thread_ = std::make_unique<RenderThread>();
  std::string error = render_thread_->start([this] { return backend_->start(); },
                                            [this] { return render_round(); },
                                            [this] { return backend_->poll_fd(); });
  if (!error.empty()) {
    render_thread_.reset();
    throw std::runtime_error("--gpu-renderer " + std::string(to_string(config_.renderer)) + ": " + error);
  }
}

void VirtioGpu::stop_render_thread() {
  // The backend's state goes on its own thread, before the thread ends.
  render_thread_->run([this] {
    std::lock_guard lock(mutex_);
    clear_state();
    pending_fences_.clear();
    backend_->stop();
    backend_stopped_ = true;
  });
  render_thread_->stop();
}

bool VirtioGpu::run_on_render_thread(const std::function<void()>& task) {
  if (!render_thread_) return false;
  render_thread_->run(task);
  return true;
}

std::optional<RendererStats> VirtioGpu::renderer_stats() const {
  std::lock_guard lock(mutex_);
  std::optional<RendererStats> stats = backend_->renderer_stats();
  if (!stats) return std::nullopt;
  stats->held_responses = static_cast<std::uint32_t>(pending_fences_.size());
  for (const PendingFence& p : pending_fences_) stats->held_buffers += p.chain.writable.size();
  return stats;
}

std::uint64_t VirtioGpu::device_features() const {
  std::uint64_t features = (1ull << kFeatureVirgl) | (1ull << kFeatureResourceBlob);
  return features | backend_->extra_features();
}

std::vector<std::uint16_t> VirtioGpu::queue_max_sizes() const {
  return {kControlQueueSize, kCursorQueueSize};
}

void VirtioGpu::read_config(std::uint64_t offset, std::span<std::uint8_t> data) {
  // No lock: events_read_ is atomic and the capsets are fixed before the guest runs.
  const Config config{events_read_.load(), 0, 1, backend_->capset_count()};
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(&config);
  for (std::size_t i = 0; i < data.size(); ++i) {
    const std::uint64_t at = offset + i;
    data[i] = at >= offset && at < sizeof(config) ? bytes[at] : 0;
  }
}

void VirtioGpu::write_config(std::uint64_t offset, std::span<const std::uint8_t> data) {
  constexpr std::uint64_t kClear = offsetof(Config, events_clear);
  for (std::size_t i = 0; i < data.size(); ++i) {
    const std::uint64_t at = offset + i;
    if (at >= offset && at >= kClear && at < kClear + 4)  // events_clear is write-1-to-clear
      events_read_ &= ~(std::uint32_t{data[i]} << (8 * (at - kClear)));
    else
      VMM_GUEST_LOG(spdlog::level::debug, "virtio-gpu: ignored write to read-only config byte {}", at);
  }
}

std::vector<SharedMemoryRegionInfo> VirtioGpu::shared_memory_regions() const {
  return {{kShmIdHostVisible, config_.hostmem_size}};
}

void VirtioGpu::set_shared_memory_base(std::uint8_t id, std::uint64_t guest_addr) {
  std::lock_guard lock(region_mutex_);  // not mutex_: a render may be in progress
  if (id != kShmIdHostVisible) {
    VMM_GUEST_LOG(spdlog::level::warn, "virtio-gpu: base for unknown shared memory region {} ignored", id);
    return;
  }
  region_.set_base(guest_addr);
}

void VirtioGpu::activate(std::uint64_t negotiated_features, std::vector<Virtqueue*> queues,
                         VirtioInterrupt& interrupt) {
  Activation activation{negotiated_features, std::move(queues), &interrupt};
  if (render_thread_) {  // applied by the render thread before it looks at the queues
    {
      std::lock_guard lock(activation_mutex_);
      pending_activation_ = std::move(activation);
    }
    render_thread_->wake();
    return;
  }
  std::lock_guard lock(mutex_);
  apply_activation(std::move(activation));
}

void VirtioGpu::apply_activation(Activation activation) {
  features_ = activation.features & device_features();
  queues_ = std::move(activation.queues);
  broken_.assign(queues_.size(), false);
  interrupt_ = activation.interrupt;
  VMM_GUEST_LOG(spdlog::level::debug, "virtio-gpu: activated, virgl {} resource_blob {}", negotiated(kFeatureVirgl),
                negotiated(kFeatureResourceBlob));
}

void VirtioGpu::notify_queue(std::uint16_t queue_index) {
  if (render_thread_) {  // the render thread looks at both queues; the vCPU goes back at once
    render_thread_->wake();
    return;
  }
  bool notify = false;
  VirtioInterrupt* interrupt = nullptr;
  {
    std::lock_guard lock(mutex_);
    process_queue(queue_index, notify);
    interrupt = interrupt_;
  }
  if (notify && interrupt != nullptr) interrupt->signal_used_queue(queue_index);
}

void VirtioGpu::reset() {
  auto reset_state = [this] {
    {
      std::lock_guard lock(activation_mutex_);
      pending_activation_.reset();
    }
    std::lock_guard lock(mutex_);
    clear_state();
    pending_fences_.clear();  // the driver gave up on them with the reset
    retired_.clear();
    queues_.clear();
    broken_.clear();
    interrupt_ = nullptr;
    features_ = 0;
    events_read_ = 0;
  };
  // With a renderer its state is torn down on its thread, which then cannot be between
  // two commands of the old queues.
  if (!run_on_render_thread(reset_state)) reset_state();
}

void VirtioGpu::notify_display_change() {
  // No mutex_: a render may be in progress, and this is a vCPU's (or the main thread's) call.
  events_read_ |= kEventDisplay;
  if (VirtioInterrupt* interrupt = interrupt_.load()) interrupt->signal_config_change();
}

void VirtioGpu::process_queue(std::uint16_t queue_index, bool& notify) {
  if (queue_index >= queues_.size() || queues_[queue_index] == nullptr ||
      broken_[queue_index]) {
    VMM_GUEST_LOG(spdlog::level::debug, "virtio-gpu: notify for queue {} that is not running", queue_index);
    return;
  }
  Virtqueue& queue = *queues_[queue_index];
  bool pushed = false;
  for (;;) {
    Virtqueue::PopResult popped = queue.pop();
    if (popped.status == Virtqueue::PopResult::Status::Empty) break;
    if (popped.status == Virtqueue::PopResult::Status::BrokenQueue) {
      VMM_GUEST_LOG(spdlog::level::warn, "virtio-gpu: queue {} is broken, ignoring it until reset: {}", queue_index,
                   popped.error);
      broken_[queue_index] = true;
      break;
    }
    std::uint32_t written = 0;
    const std::uint16_t head = popped.chain.head;
    if (popped.status == Virtqueue::PopResult::Status::Chain &&
        std::any_of(pending_fences_.begin(), pending_fences_.end(), [&](const PendingFence& p) {
          return p.queue_index == queue_index && p.chain.head == head;
        })) {
      // The driver published a head the device still holds (its fenced response is not
      // written yet): a protocol violation. Dropped, not answered: answering would give the
      // driver the same head twice.
      VMM_GUEST_LOG(spdlog::level::warn, "virtio-gpu: queue {}: head {} published again while its response is held",
                    queue_index, head);
      ++stats_.bad_chains;
      continue;
    }
    if (popped.status == Virtqueue::PopResult::Status::BadChain) {
      VMM_GUEST_LOG(spdlog::level::debug, "virtio-gpu: queue {}: bad chain: {}", queue_index, popped.error);
      ++stats_.bad_chains;
    } else if (auto done = process_chain(queue_index, popped.chain)) {
      written = *done;
    } else {
      continue;  // answered when its fence retires
    }
    queue.push_used(popped.chain.head, written);
    pushed = true;
  }
  if (pushed && queue.should_notify()) notify = true;
}

std::optional<std::uint32_t> VirtioGpu::process_chain(std::uint16_t queue_index,
                                                      const DescriptorChain& chain) {
  const GpuRequest req(memory_, chain);
  CtrlHdr hdr{};
  Reply reply = req.read(hdr) ? dispatch(queue_index, hdr, req)
                              : fail(resp::kErrUnspec, 0, "request shorter than its header");
  backend_->after_command(hdr.type, reply);
  ++stats_.commands;
  ++stats_.responses[reply.type];
  if (resp::is_error(reply.type)) ++stats_.errors;

  std::vector<std::uint8_t> bytes = reply.encode(hdr);

  // With a backend that retires fences, a fence means "answer when the work so far is
  // done": the backend gets a fence of its own and the response waits for it. Errors are
  // answered at once.
  if (backend_->retires_fences() && (hdr.flags & kFlagFence) && !resp::is_error(reply.type) &&
      pending_fences_.size() < limits::kMaxPendingFences) {
    const bool per_context = (hdr.flags & kFlagInfoRingIdx) != 0;
    const std::uint64_t fence = per_context ? hdr.fence_id : ++last_global_fence_;
    if (backend_->create_fence(hdr.ctx_id, hdr.ring_idx, fence, per_context)) {
      pending_fences_.push_back({queue_index, held_part(chain, bytes.size()), std::move(bytes),
                                 hdr.ctx_id, hdr.ring_idx, fence, per_context});
      return std::nullopt;
    }
  }
  return write_response(queue_index, chain, bytes);
}

std::uint32_t VirtioGpu::write_response(std::uint16_t queue_index, const DescriptorChain& chain,
                                        std::span<const std::uint8_t> bytes) {
  // Linux sends cursor commands without a response buffer; that is not an error.
  if (queue_index == kCursorQueue && chain.writable_bytes() == 0) return 0;
  const std::size_t written = write_to_chain(memory_, chain, 0, bytes);
  if (written < bytes.size()) {
    ++stats_.short_responses;
    CtrlHdr sent{};
    std::memcpy(&sent, bytes.data(), sizeof(sent));
    VMM_GUEST_LOG(spdlog::level::warn, "virtio-gpu: {} response cut to {} of {} bytes: the writable buffer is short",
                 response_name(sent.type), written, bytes.size());
  }
  return static_cast<std::uint32_t>(written);
}

VirtioGpu::Reply VirtioGpu::dispatch(std::uint16_t queue_index, const CtrlHdr& hdr,
                                     const GpuRequest& req) {
  auto decoded = decode_command(hdr, req, queue_index == kCursorQueue ? GpuQueue::Cursor : GpuQueue::Control,
                                features_);
  if (auto* error = std::get_if<DecodeError>(&decoded)) return fail(error->response, hdr.type, error->why);
  return std::visit(
      [&](const auto& command) -> Reply {
        // A command on an existing resource has it looked up here, before anything of its
        // own is checked, so the rule for an unknown id is written once.
        if constexpr (requires(GpuResource& res) { handle(command, res, req); }) {
          const std::uint32_t id = command.wire.resource_id;
          GpuResource* res = find_resource(id);
          if (res == nullptr) return fail(resp::kErrInvalidResourceId, hdr.type, "no resource " + std::to_string(id));
          return handle(command, *res, req);
        } else {
          return handle(command, req);
        }
      },
      std::get<GpuCommand>(decoded));
}

VirtioGpu::Reply VirtioGpu::fail(std::uint32_t type, std::uint32_t command, const std::string& why) {
  VMM_GUEST_LOG(spdlog::level::debug, "virtio-gpu: {}: {} -> {}", command_name(command), why, response_name(type));
  return {type, {}};
}

void VirtioGpu::context_gone(std::uint32_t ctx) {
  contexts_.erase(ctx);
  bool notify[2] = {false, false};  // the queue is notified with the next answer
  release_context_fences(ctx, notify[0], notify[1]);
}

VirtioGpu::Reply VirtioGpu::region_refused(std::uint32_t command, std::uint32_t resource_id,
                                           const HostVisibleRegion::Result& result) {
  if (result.status == HostVisibleRegion::Status::BadRequest)
    return fail(resp::kErrInvalidParameter, command, result.error);
  VMM_GUEST_LOG(spdlog::level::warn, "virtio-gpu: {} of gpu-blob {}: {}", command_name(command), resource_id,
                result.error);
  return fail(resp::kErrUnspec, command, result.error);
}

GpuResource* VirtioGpu::find_resource(std::uint32_t id) {
  auto it = resources_.find(id);
  return it == resources_.end() ? nullptr : &it->second;
}

void VirtioGpu::forget_resource(std::uint32_t id) {
  auto it = resources_.find(id);
  if (it == resources_.end()) return;
  GpuResource& res = it->second;
  if (scanout_ && scanout_->resource_id == id) scanout_.reset();
  for (auto& [ctx, attached] : contexts_) attached.erase(id);
  if (res.kind == ResourceKind::Image2d) image_bytes_ -= res.image_bytes();
  backend_->forget(res);
  // Its memory (res.host, res.renderer) goes now, or, when a memslot the hypervisor would not
  // remove still maps it, when that slot goes.
  resources_.erase(it);
}

void VirtioGpu::clear_state() {
  {
    std::lock_guard region_lock(region_mutex_);
    region_.unmap_all();
  }
  backend_->clear();  // its contexts go before the resources they reference
  while (!resources_.empty()) forget_resource(resources_.begin()->first);
  contexts_.clear();
  scanout_.reset();
  cursor_ = {};
}

VirtioGpuStats VirtioGpu::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::optional<ScanoutState> VirtioGpu::scanout() const {
  std::lock_guard lock(mutex_);
  return scanout_;
}

std::size_t VirtioGpu::resource_count() const {
  std::lock_guard lock(mutex_);
  return resources_.size();
}

std::optional<std::vector<std::uint8_t>> VirtioGpu::resource_image(std::uint32_t id) const {
  std::lock_guard lock(mutex_);
  auto it = resources_.find(id);
  if (it == resources_.end() || it->second.kind != ResourceKind::Image2d) return std::nullopt;
  const GpuResource& res = it->second;
  return std::vector<std::uint8_t>(res.image.data(), res.image.data() + res.image_bytes());
}

std::optional<std::vector<std::uint8_t>> VirtioGpu::blob_bytes(std::uint32_t id) const {
  std::lock_guard lock(mutex_);
  auto it = resources_.find(id);
  if (it == resources_.end() || it->second.kind != ResourceKind::HostBlob) return std::nullopt;
  const MemfdMapping& host = *it->second.host;
  return std::vector<std::uint8_t>(host.data(), host.data() + host.size());
}

std::optional<std::uint32_t> VirtioGpu::blob_fnv1a32(std::uint32_t id) const {
  std::lock_guard lock(mutex_);
  auto it = resources_.find(id);
  if (it == resources_.end() || it->second.kind != ResourceKind::HostBlob) return std::nullopt;
  const MemfdMapping& host = *it->second.host;
  return fnv1a32(std::span<const std::uint8_t>(host.data(), host.size()));
}

bool VirtioGpu::write_blob_bytes(std::uint32_t id, std::uint64_t offset,
                                 std::span<const std::uint8_t> bytes) {
  std::lock_guard lock(mutex_);
  auto it = resources_.find(id);
  if (it == resources_.end() || it->second.kind != ResourceKind::HostBlob) return false;
  const MemfdMapping& host = *it->second.host;
  if (offset > host.size() || bytes.size() > host.size() - offset) return false;
  std::copy(bytes.begin(), bytes.end(), host.data() + offset);
  return true;
}

bool VirtioGpu::blob_mapped(std::uint32_t id) const {
  std::lock_guard lock(mutex_);
  std::lock_guard region_lock(region_mutex_);
  return region_.is_mapped(id);
}

std::optional<std::set<std::uint32_t>> VirtioGpu::context_resources(std::uint32_t ctx) const {
  std::lock_guard lock(mutex_);
  auto it = contexts_.find(ctx);
  if (it == contexts_.end()) return std::nullopt;
  return it->second;
}

}  // namespace vmm
