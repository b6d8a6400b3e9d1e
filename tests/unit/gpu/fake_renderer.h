// FakeRenderer: a GpuRenderer that renders nothing and records what the device asked of it,
// for the device's bounds tests on any host (no EGL, no virglrenderer). What it holds is
// what a renderer would: live contexts, lent guest pages, and (when told to) memory per
// context that only destroying the context gives back, as a GL context's objects would.
#pragma once

#include <sys/mman.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

#include "devices/gpu/renderer/gpu_renderer.h"

namespace vmm::test {

// What the test sees of the fake; it outlives the device (which owns the renderer).
struct FakeRendererState {
  std::mutex mutex;
  std::set<std::uint32_t> contexts;
  std::uint32_t most_contexts = 0;          // the most alive at once
  std::map<std::uint32_t, std::size_t> lent_pages;  // resource -> iovecs it holds
  bool retire_fences = true;                // false: fences wait until released below
  int release_oldest = 0;                   // with retire_fences false: retire this many
  std::uint64_t submit_allocates = 0;       // bytes each submit makes its context hold
  std::map<std::uint32_t, std::vector<std::pair<void*, std::size_t>>> held;  // ctx -> memory
  // A submit waits here while `block_submit` is set (the test opens it).
  bool block_submit = false;
  bool in_submit = false;
  std::condition_variable changed;
  // Non-zero: map_blob() maps this many bytes of its own per blob (a renderer's buffer),
  // which unmap_blob() unmaps; else map_blob() refuses. The test reads them through the slot.
  std::uint64_t map_blob_bytes = 0;
  std::map<std::uint32_t, gpu::RendererMapping> mapped;  // resource -> its live mapping
  std::set<std::uint32_t> unreffed;                      // resources unref'd so far
};

class FakeRenderer : public gpu::GpuRenderer {
 public:
  FakeRenderer(FakeRendererState& state, FenceRetired on_fence) : s_(state), on_fence_(std::move(on_fence)) {}
  ~FakeRenderer() override {
    for (auto& [ctx, blocks] : s_.held) free_all(blocks);
    s_.held.clear();
    for (auto& [res, mapping] : s_.mapped) munmap(mapping.data, mapping.size);  // gone with it
    s_.mapped.clear();
  }

  std::string description() const override { return "fake renderer"; }
  std::vector<gpu::CapsetInfo> capsets() const override { return {{2, 2, 64}}; }
  std::vector<std::uint8_t> capset(std::uint32_t, std::uint32_t) override { return std::vector<std::uint8_t>(64); }
  int create_context(std::uint32_t ctx, std::uint32_t, std::string_view) override {
    std::lock_guard lock(s_.mutex);
    s_.contexts.insert(ctx);
    s_.most_contexts = std::max<std::uint32_t>(s_.most_contexts, static_cast<std::uint32_t>(s_.contexts.size()));
    return 0;
  }
  void destroy_context(std::uint32_t ctx) override {
    std::lock_guard lock(s_.mutex);
    s_.contexts.erase(ctx);
    free_all(s_.held[ctx]);
    s_.held.erase(ctx);
  }
  void attach_resource(std::uint32_t, std::uint32_t) override {}
  void detach_resource(std::uint32_t, std::uint32_t) override {}
  int submit(std::uint32_t ctx, std::span<const std::uint32_t>) override {
    std::unique_lock lock(s_.mutex);
    s_.in_submit = true;
    s_.changed.notify_all();
    s_.changed.wait(lock, [&] { return !s_.block_submit; });
    s_.in_submit = false;
    if (s_.submit_allocates != 0) {  // touched pages, outside malloc (no sanitizer quarantine)
      void* p = mmap(nullptr, s_.submit_allocates, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) return -12;
      for (std::size_t i = 0; i < s_.submit_allocates; i += 4096) static_cast<volatile char*>(p)[i] = 1;
      s_.held[ctx].push_back({p, s_.submit_allocates});
    }
    return 0;
  }
  int create_resource_3d(const gpu::Resource3dArgs&) override { return 0; }
  int create_blob(const gpu::BlobArgs& a) override {
    std::lock_guard lock(s_.mutex);
    if (!a.guest_pages.empty()) s_.lent_pages[a.resource_id] = a.guest_pages.size();
    return 0;
  }
  void unref_resource(std::uint32_t res) override {
    detach_backing(res);
    std::lock_guard lock(s_.mutex);
    s_.unreffed.insert(res);
  }
  int attach_backing(std::uint32_t res, std::span<const iovec> pages) override {
    std::lock_guard lock(s_.mutex);
    s_.lent_pages[res] = pages.size();
    return 0;
  }
  void detach_backing(std::uint32_t res) override {
    std::lock_guard lock(s_.mutex);
    s_.lent_pages.erase(res);
  }
  int transfer_to_host(const gpu::TransferArgs&) override { return 0; }
  int transfer_from_host(const gpu::TransferArgs&, std::span<const iovec>) override { return 0; }
  int map_blob(std::uint32_t res, gpu::RendererMapping* out) override {
    std::lock_guard lock(s_.mutex);
    if (s_.map_blob_bytes == 0 || s_.mapped.count(res)) return -22;
    void* p = mmap(nullptr, s_.map_blob_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return -12;
    *out = {static_cast<std::uint8_t*>(p), s_.map_blob_bytes};
    s_.mapped[res] = *out;
    return 0;
  }
  int unmap_blob(std::uint32_t res) override {
    std::lock_guard lock(s_.mutex);
    auto it = s_.mapped.find(res);
    if (it == s_.mapped.end()) return -22;
    munmap(it->second.data, it->second.size);
    s_.mapped.erase(it);
    return 0;
  }
  int map_info(std::uint32_t) override { return -1; }
  int create_fence(std::uint32_t ctx, std::uint32_t ring, std::uint64_t fence, bool per_context) override {
    std::lock_guard lock(s_.mutex);
    waiting_.push_back({ctx, ring, fence, per_context});
    return 0;
  }
  void poll() override {
    std::vector<Fence> ready;
    {
      std::lock_guard lock(s_.mutex);
      std::size_t n = s_.retire_fences ? waiting_.size()
                                       : std::min<std::size_t>(waiting_.size(), std::max(s_.release_oldest, 0));
      if (!s_.retire_fences) s_.release_oldest -= static_cast<int>(n);
      ready.assign(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(n));
      waiting_.erase(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    for (const auto& f : ready) on_fence_(f.ctx, f.ring, f.fence, f.per_context);
  }
  int poll_fd() const override { return -1; }

 private:
  struct Fence {
    std::uint32_t ctx, ring;
    std::uint64_t fence;
    bool per_context;
  };
  static void free_all(std::vector<std::pair<void*, std::size_t>>& blocks) {
    for (auto& [p, n] : blocks) munmap(p, n);
    blocks.clear();
  }
  FakeRendererState& s_;
  FenceRetired on_fence_;
  std::vector<Fence> waiting_;
};

}  // namespace vmm::test
