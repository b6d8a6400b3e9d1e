// A virtio-gpu device on a small guest: a control and a cursor queue driven by
// FakeDriverRing, a FakeMemoryMapper, and a recording interrupt. Helpers send one command
// and return the device's response.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "devices/gpu/virtio_gpu.h"
#include "devices/gpu/virtio_gpu_protocol.h"
#include "tests/unit/gpu/fake_memory_mapper.h"
#include "tests/unit/virtio/fake_driver_ring.h"

namespace vmm::test {

class FakeInterrupt : public VirtioInterrupt {
 public:
  void signal_used_queue(std::uint16_t queue_index) override { used.push_back(queue_index); }
  void signal_config_change() override { ++config_changes; }
  std::vector<std::uint16_t> used;
  int config_changes = 0;
};

// The bytes the device wrote back, and how many.
struct GpuResponse {
  std::uint32_t written = 0;
  std::vector<std::uint8_t> bytes;  // the whole writable buffer, unwritten bytes kPoison

  gpu::CtrlHdr hdr() const { return obj<gpu::CtrlHdr>(); }
  std::uint32_t type() const { return hdr().type; }
  template <typename T>
  T obj() const {
    T value{};
    std::memcpy(&value, bytes.data(), std::min(sizeof(T), bytes.size()));
    return value;
  }
};

template <typename T>
std::vector<std::uint8_t> as_bytes(const T& value) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&value);
  return {p, p + sizeof(T)};
}

inline gpu::CtrlHdr header(std::uint32_t type, std::uint32_t ctx_id = 0) {
  gpu::CtrlHdr hdr{};
  hdr.type = type;
  hdr.ctx_id = ctx_id;
  return hdr;
}

// A header that asks for a fence: FLAG_FENCE with `fence_id`, and with a `ring` also
// FLAG_INFO_RING_IDX and that ring.
inline gpu::CtrlHdr fenced_header(std::uint32_t type, std::uint32_t ctx_id, std::uint64_t fence_id,
                                  std::optional<std::uint8_t> ring = std::nullopt) {
  gpu::CtrlHdr hdr = header(type, ctx_id);
  hdr.flags = gpu::kFlagFence;
  hdr.fence_id = fence_id;
  if (ring) {
    hdr.flags |= gpu::kFlagInfoRingIdx;
    hdr.ring_idx = *ring;
  }
  return hdr;
}

// A fenced request's response carries its fence back: the same flags, fence_id, ctx_id and
// ring (virtio 1.2 §5.7.6.7), whether it succeeded or not.
inline void expect_fence_echoed(const gpu::CtrlHdr& response, const gpu::CtrlHdr& request) {
  EXPECT_EQ(response.flags, request.flags);
  EXPECT_EQ(response.fence_id, request.fence_id);
  EXPECT_EQ(response.ctx_id, request.ctx_id);
  EXPECT_EQ(response.ring_idx, request.ring_idx);
}

// A SUBMIT_3D request carrying `words` as its command stream.
inline std::vector<std::uint8_t> submit_3d_request(std::uint32_t ctx, const std::vector<std::uint32_t>& words,
                                                   std::uint32_t flags = 0, std::uint64_t fence = 0) {
  gpu::CmdSubmit cmd{header(gpu::cmd::kSubmit3d, ctx), static_cast<std::uint32_t>(words.size() * 4), 0};
  cmd.hdr.flags = flags;
  cmd.hdr.fence_id = fence;
  auto bytes = as_bytes(cmd);
  // resize + memcpy, not insert(): GCC 12 at -O3 warns, wrongly, that the insert's memmove
  // runs past the 32-byte header (-Warray-bounds), and tests build with -Werror.
  const std::size_t at = bytes.size();
  bytes.resize(at + words.size() * 4);
  if (!words.empty()) std::memcpy(bytes.data() + at, words.data(), words.size() * 4);
  return bytes;
}

class GpuTest : public ::testing::Test {
 protected:
  static constexpr std::uint64_t kBackingBase = 16ull << 20;  // guest pages for resources
  static constexpr std::uint64_t kBackingSize = 16ull << 20;
  static constexpr std::uint64_t kBarBase = 0x800000000ull;   // the region's first address
  static constexpr std::uint64_t kHostmemSize = 1ull << 24;   // 16 MiB
  static constexpr std::uint64_t kAllFeatures =
      (1ull << gpu::kFeatureVirgl) | (1ull << gpu::kFeatureResourceBlob);

  void SetUp() override { make_gpu(default_config()); }

  static VirtioGpuConfig default_config() {
    VirtioGpuConfig config;
    config.hostmem_size = kHostmemSize;
    return config;
  }

  // A fresh device, activated with both queues and (unless told not to) given its BAR.
  void make_gpu(const VirtioGpuConfig& config, std::uint64_t features = kAllFeatures,
                bool assign_bar = true) {
    gpu.reset();
    mapper.calls.clear();
    ctrl_ring = std::make_unique<FakeDriverRing>(mem, FakeDriverRing::Options{.size = 64});
    cursor_ring = std::make_unique<FakeDriverRing>(
        mem, FakeDriverRing::Options{.size = 16, .ring_base = 1ull << 20});
    ctrl_queue = std::make_unique<Virtqueue>(mem, ctrl_ring->config());
    cursor_queue = std::make_unique<Virtqueue>(mem, cursor_ring->config());
    gpu = std::make_unique<VirtioGpu>(mem, mapper, config, make_renderer);
    if (assign_bar) gpu->set_shared_memory_base(gpu::kShmIdHostVisible, kBarBase);
    gpu->activate(features, {ctrl_queue.get(), cursor_queue.get()}, interrupt);
  }

  // Sends `request` (split into buffers of at most `split` bytes when non-zero) on the
  // control queue with a `response_len`-byte writable buffer; returns what came back.
  GpuResponse send_bytes(const std::vector<std::uint8_t>& request,
                         std::uint32_t response_len = sizeof(gpu::CtrlHdr),
                         std::uint16_t queue = gpu::kControlQueue) {
    FakeDriverRing& ring = queue == gpu::kControlQueue ? *ctrl_ring : *cursor_ring;
    std::vector<FakeBuffer> buffers{FakeBuffer::readable(request)};
    if (response_len > 0) buffers.push_back(FakeBuffer::writable(response_len));
    auto added = ring.add_chain(buffers);
    gpu->notify_queue(queue);
    auto used = ring.take_used();
    // With a renderer the render thread answers; wait for it (a deadline, not a timing).
    for (int i = 0; !used && gpu->renderer_stats() && i < 30000; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      used = ring.take_used();
    }
    EXPECT_TRUE(used.has_value()) << "the device did not return the chain";
    GpuResponse response;
    if (!used) return response;
    EXPECT_EQ(used->id, added.head);
    response.written = used->len;
    if (response_len > 0) response.bytes = ring.read(added.addrs[1], response_len);
    return response;
  }

  template <typename T>
  GpuResponse send(const T& request, std::uint32_t response_len = sizeof(gpu::CtrlHdr)) {
    return send_bytes(as_bytes(request), response_len);
  }

  // Commands, answering the response type.
  std::uint32_t create_2d(std::uint32_t id, std::uint32_t width, std::uint32_t height,
                          std::uint32_t format = gpu::format::kB8G8R8X8) {
    gpu::ResourceCreate2d cmd{header(gpu::cmd::kResourceCreate2d), id, format, width, height};
    return send(cmd).type();
  }

  std::uint32_t attach_backing(std::uint32_t id, const std::vector<gpu::MemEntry>& entries,
                               std::uint32_t nr_entries_override = 0) {
    gpu::ResourceAttachBacking cmd{header(gpu::cmd::kResourceAttachBacking), id,
                                   nr_entries_override ? nr_entries_override
                                                       : static_cast<std::uint32_t>(entries.size())};
    auto bytes = as_bytes(cmd);
    for (const auto& e : entries) {
      auto more = as_bytes(e);
      bytes.insert(bytes.end(), more.begin(), more.end());
    }
    return send_bytes(bytes).type();
  }

  std::uint32_t transfer(std::uint32_t id, gpu::Rect r, std::uint64_t offset) {
    gpu::TransferToHost2d cmd{header(gpu::cmd::kTransferToHost2d), r, offset, id, 0};
    return send(cmd).type();
  }

  std::uint32_t set_scanout(std::uint32_t id, gpu::Rect r, std::uint32_t scanout = 0) {
    gpu::SetScanout cmd{header(gpu::cmd::kSetScanout), r, scanout, id};
    return send(cmd).type();
  }

  std::uint32_t resource_cmd(std::uint32_t type, std::uint32_t id, std::uint32_t ctx = 0) {
    gpu::ResourceIdCmd cmd{header(type, ctx), id, 0};
    return send(cmd).type();
  }

  std::uint32_t ctx_create(std::uint32_t ctx, std::uint32_t context_init = 0) {
    gpu::CtxCreate cmd{};
    cmd.hdr = header(gpu::cmd::kCtxCreate, ctx);
    cmd.nlen = 4;
    std::memcpy(cmd.debug_name, "test", 4);
    cmd.context_init = context_init;
    return send(cmd).type();
  }

  std::uint32_t create_host_blob(std::uint32_t id, std::uint64_t size, std::uint32_t ctx = 1,
                                 std::uint32_t flags = gpu::kBlobFlagMappable,
                                 std::uint64_t blob_id = 0) {
    gpu::ResourceCreateBlob cmd{header(gpu::cmd::kResourceCreateBlob, ctx), id,
                                gpu::kBlobMemHost3d, flags, 0, blob_id, size};
    return send(cmd).type();
  }

  GpuResponse map_blob(std::uint32_t id, std::uint64_t offset) {
    gpu::ResourceMapBlob cmd{header(gpu::cmd::kResourceMapBlob), id, 0, offset};
    return send(cmd, sizeof(gpu::RespMapInfo));
  }

  std::uint32_t unmap_blob(std::uint32_t id) {
    return resource_cmd(gpu::cmd::kResourceUnmapBlob, id);
  }

  // What the tests of a slot owning its memory start from: blob `id` (`size` bytes, mapped
  // in the only live slot) marked at both ends through the guest's view, then unreffed by
  // the guest while the hypervisor refuses to remove the slot (ERR_UNSPEC, resource gone).
  struct KeptSlot {
    std::uint32_t slot = 0;
    volatile std::uint8_t* guest_view = nullptr;  // nullptr: there was no one live slot
    std::uint64_t size = 0;
    // The marks read back: the memory did not go with the resource (else a fault, or ASan).
    bool marks_intact() const {
      return guest_view != nullptr && guest_view[0] == 0x5a && guest_view[size - 1] == 0xa5;
    }
  };
  KeptSlot unref_with_the_slot_kept(std::uint32_t id, std::uint64_t size) {
    KeptSlot kept;
    EXPECT_EQ(mapper.live.size(), 1u);
    if (mapper.live.size() != 1) return kept;
    kept.slot = mapper.live.begin()->first;
    kept.guest_view = static_cast<volatile std::uint8_t*>(mapper.live.begin()->second.host_addr);
    kept.size = size;
    kept.guest_view[0] = 0x5a;
    kept.guest_view[size - 1] = 0xa5;
    mapper.refuse_next_unmap = "KVM said no";
    EXPECT_EQ(resource_cmd(gpu::cmd::kResourceUnref, id), gpu::resp::kErrUnspec);
    EXPECT_EQ(gpu->resource_count(), 0u);
    return kept;
  }

  // Writes `bytes` into guest RAM at `gpa`.
  void poke(std::uint64_t gpa, const std::vector<std::uint8_t>& bytes) {
    ASSERT_TRUE(mem.write(gpa, bytes));
  }

  GuestMemory mem = GuestMemory::from_ranges({{0, 1ull << 20, "ring-ctrl"},
                                              {1ull << 20, 1ull << 20, "ring-cursor"},
                                              {kBackingBase, kBackingSize, "backing"}});
  FakeMemoryMapper mapper;
  FakeInterrupt interrupt;
  std::unique_ptr<FakeDriverRing> ctrl_ring;
  std::unique_ptr<FakeDriverRing> cursor_ring;
  std::unique_ptr<Virtqueue> ctrl_queue;
  std::unique_ptr<Virtqueue> cursor_queue;
  std::unique_ptr<VirtioGpu> gpu;
  RendererFactory make_renderer;  // set before make_gpu() for a device with a renderer
};

// The blob tests' device: host blobs are created in a context, so context 1 exists from
// the start (and again after each make_gpu_with_context()); a blob is 16 pages unless a
// test says otherwise.
class GpuBlobFixture : public GpuTest {
 protected:
  using Call = FakeMemoryMapper::Call;
  static constexpr std::uint64_t kBlobSize = 64 * 1024;

  void SetUp() override { make_gpu_with_context(default_config()); }

  void make_gpu_with_context(const VirtioGpuConfig& config, bool assign_bar = true) {
    make_gpu(config, kAllFeatures, assign_bar);
    ASSERT_EQ(ctx_create(1), gpu::resp::kOkNodata);
  }
};

}  // namespace vmm::test
