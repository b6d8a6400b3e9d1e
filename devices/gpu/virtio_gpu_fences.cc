// VirtioGpu with a threaded backend: the render thread's round, and the fenced responses held
// until the backend retires their fences. Everything here runs on the render thread.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/guest_log.h"
#include "devices/gpu/virtio_gpu.h"

namespace vmm {

using namespace gpu;

namespace {

// The global fence timeline's key in retired_ (per-context keys are real (ctx, ring) pairs;
// ring indices are 8 bits, so this one cannot collide).
constexpr std::pair<std::uint32_t, std::uint32_t> kGlobalTimeline{0, 0x100};


}  // namespace

bool VirtioGpu::render_round() {
  bool notify[2] = {false, false};
  VirtioInterrupt* interrupt = nullptr;
  bool outstanding = false;
  std::optional<Activation> activation;
  {
    std::lock_guard lock(activation_mutex_);
    activation.swap(pending_activation_);
  }
  {
    std::lock_guard lock(mutex_);
    if (backend_stopped_) return false;
    if (activation) apply_activation(std::move(*activation));
    process_queue(kControlQueue, notify[0]);
    process_queue(kCursorQueue, notify[1]);
    backend_->poll();  // retired fences arrive in fence_retired()
    release_retired(notify[0], notify[1]);
    outstanding = !pending_fences_.empty();
    interrupt = interrupt_;
  }
  if (interrupt != nullptr) {
    if (notify[0]) interrupt->signal_used_queue(kControlQueue);
    if (notify[1]) interrupt->signal_used_queue(kCursorQueue);
  }
  return outstanding;
}

void VirtioGpu::fence_retired(std::uint32_t ctx, std::uint32_t ring, std::uint64_t fence,
                              bool per_context) {
  // Called from backend_->poll(), on the render thread, with mutex_ held.
  std::uint64_t& highest = retired_[per_context ? std::make_pair(ctx, ring) : kGlobalTimeline];
  if (per_context)
    highest = std::max(highest, fence);
  else if (static_cast<std::int32_t>(static_cast<std::uint32_t>(fence) - static_cast<std::uint32_t>(highest)) > 0 ||
           highest == 0)
    highest = static_cast<std::uint32_t>(fence);  // the device's ids, compared across a wrap
}

void VirtioGpu::release_retired(bool& notify0, bool& notify1) {
  auto done = [&](const PendingFence& p) {
    auto key = p.per_context ? std::make_pair(p.ctx_id, p.ring) : kGlobalTimeline;
    auto it = retired_.find(key);
    if (it == retired_.end()) return false;
    if (p.per_context) return p.fence_id <= it->second;
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(it->second) -
                                     static_cast<std::uint32_t>(p.fence_id)) >= 0;
  };
  auto first_done = std::stable_partition(pending_fences_.begin(), pending_fences_.end(),
                                          [&](const PendingFence& p) { return !done(p); });
  for (auto it = first_done; it != pending_fences_.end(); ++it) {
    if (it->queue_index >= queues_.size() || queues_[it->queue_index] == nullptr) continue;
    Virtqueue& queue = *queues_[it->queue_index];
    queue.push_used(it->chain.head, write_response(it->queue_index, it->chain, it->response));
    if (queue.should_notify()) (it->queue_index == kControlQueue ? notify0 : notify1) = true;
  }
  pending_fences_.erase(first_done, pending_fences_.end());
}

void VirtioGpu::release_context_fences(std::uint32_t ctx, bool& notify0, bool& notify1) {
  for (std::uint32_t ring = 0; ring < 0x100; ++ring) retired_.erase({ctx, ring});
  // Marked retired on their own timeline, then answered like any retired fence.
  for (const PendingFence& p : pending_fences_)
    if (p.per_context && p.ctx_id == ctx) {
      std::uint64_t& highest = retired_[{ctx, p.ring}];
      highest = std::max(highest, p.fence_id);
    }
  release_retired(notify0, notify1);
  for (std::uint32_t ring = 0; ring < 0x100; ++ring) retired_.erase({ctx, ring});
}

}  // namespace vmm
