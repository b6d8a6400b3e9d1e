// Fuzzes a whole VirtioGpu (devices/gpu/virtio_gpu.h) with the REAL virglrenderer behind it
// (create_virgl_renderer, virgl contexts on surfaceless EGL: llvmpipe where the host has no
// GPU), the way a guest driver reaches it: real Virtqueues over a small GuestMemory,
// requests placed in guest RAM by the unit tests' FakeDriverRing, a notify per request, the
// render thread answering, and the unit tests' FakeMemoryMapper holding the blob memslots.
//
// virglrenderer keeps its state in globals (one renderer per process), so the device is
// made once, in LLVMFuzzerInitialize, and every input ends with reset(): each input starts
// from a freshly reset device, and reset() is itself under test. Before that last reset
// the input's global fences are let retire (bounded): the global timeline outlives a
// reset, and a fence retiring after it would still count in the next input (a reset in the
// middle of an input is where that is tested). Without a surfaceless EGL display every
// input is skipped (one line on stderr).
//
// Between the device and virglrenderer sits a pass-through GpuRenderer (`Witness`) that
// forwards every call unchanged and records what the renderer really holds: live contexts,
// resources, guest pages lent, blob mappings, fences made and fences reported retired, and
// that every call comes from the render thread. It can also play a slow GPU: retired
// fences withheld from the device until told otherwise.
//
// After each request the fuzzer waits for one whole round of the render thread (two empty
// run_on_render_thread tasks: the second runs only after a round that began after the
// first) and takes what came back. Fenced requests may be held until their fence retires;
// `wait` ops poll rounds until the held ones return (bounded), and when held chains would
// otherwise have their descriptors or buffers reused the fuzzer waits, then resets.
//
// The input: byte 0 the features of the first activation (< 0xc0: VIRGL | RESOURCE_BLOB |
// CONTEXT_INIT, else its low 5 bits), then operations, one selector byte each (% 16):
//
//   0      CTX_CREATE  hdr, ctx, count (u8 >= 0xe0: 1 + u8 % 72 consecutive ids, else 1),
//                      context_init (u8 % 4: 0 -> 0, 1 and 2 -> VIRGL2 (2), 3 -> u8),
//                      nlen (u8 % 72: over 64 is refused)
//   1      CTX_DESTROY hdr, ctx
//   2      CTX_ATTACH_RESOURCE / CTX_DETACH_RESOURCE (u8 & 1)   hdr, ctx, res
//   3-5    SUBMIT_3D   hdr, ctx, a virgl command stream (below), size mode (u8 % 16: 0 the
//                      size claims 4 bytes more than sent, 1 two bytes less, else exact)
//   6      RESOURCE_CREATE_3D  hdr, res, target, format, bind, width, height, depth,
//                      array_size (dimensions: small, powers of two or any 32-bit value),
//                      last_level, nr_samples, flags
//   7      ATTACH_BACKING (u8 & 1; entries below) / DETACH_BACKING  hdr, res
//   8      RESOURCE_CREATE_BLOB  hdr, ctx (u8 % 4 == 0: 0), res, blob_mem (u8 % 8: 0-2 HOST3D,
//                      3-4 GUEST, 5 HOST3D_GUEST, 6 raw u8, 7 HOST3D), blob_flags, blob_id
//                      (mostly 1..16, the ids SUBMIT_3D's PIPE_RESOURCE_CREATE uses), size
//                      (mostly whole pages), entries for the guest kinds
//   9      MAP_BLOB (u8 & 1: offset in pages, or any) / UNMAP_BLOB     hdr, res
//   10     RESOURCE_UNREF  hdr, res
//   11     TRANSFER_TO_HOST_3D / TRANSFER_FROM_HOST_3D (u8 & 1)  hdr, ctx (u8 & 2: 0), res,
//                      box, level, stride, layer_stride, offset (all hostile at times)
//   12     u8 < 0xc0: wait: rounds of the render thread until no fenced chain is held
//          (bounded); else a batch: the next 2 + u8 % 3 ops (commands only) are published
//          and then notified once, so one round takes them all
//   13     reset() and, unless u8 % 8 == 0, a fresh activation (features as byte 0)
//   14     any request in virtio_gpu_fuzz's format (gpu_encoding::decode_request): any
//          command, truncated or padded, split, short response buffers, either queue
//   15     misc (u8 % 10): GET_CAPSET_INFO, GET_CAPSET, a refused next map, a BAR move, a
//          config read, a notify on a queue that does not exist, a held head published
//          again (republish_held), the vCPU probe (vcpu_probe), a slow GPU (8: retired
//          fences are withheld from the device; 9, a wait or a reset: they arrive)
//
// hdr is one byte: bit 0 FLAG_FENCE, bit 1 FLAG_INFO_RING_IDX (ring_idx = bits 4-5), bits
// 2-3 == 3: the fence id is a raw u32 that follows, else the next of a counter; bit 6: the
// response buffer is cut to u8 % its size bytes; bit 7: the request goes in an indirect
// table. ctx: mostly 1..8, or 1..256 (beyond the 64-context limit), 0, or any u32. res:
// mostly 1..16, or 0, or any u32. Backing entries: count u8 % 5, each a page index into
// the backing RAM and a length in pages, or (u8 % 8 == 0) any address and length.
//
// The virgl stream of a SUBMIT_3D: 1 + u8 % 8 commands, each a selector byte: below 0xe0 a
// well-formed command (header `cmd | obj << 8 | len << 16`, virglrenderer's
// virgl_protocol.h) with fields from the input: PIPE_RESOURCE_CREATE (any, or a mappable
// persistent buffer with a blob id), RESOURCE_COPY_REGION, CREATE_OBJECT (surface, sampler
// view, blend/DSA/rasterizer/sampler state/query/streamout target/vertex elements, TGSI
// shaders), DESTROY_OBJECT, BIND_OBJECT, BIND_SHADER, SET_FRAMEBUFFER_STATE, CLEAR,
// CLEAR_TEXTURE, RESOURCE_INLINE_WRITE, TRANSFER3D, COPY_TRANSFER3D, BLIT, the sub-context
// commands, viewport/scissor, queries, bindings, GET_MEMORY_INFO, SET_TWEAKS, NOP; from
// 0xe0 the same with a made-up length; from 0xf0 raw input words. DRAW_VBO and LAUNCH_GRID
// are never built (a draw of 2^32 instances is the guest hanging its own render thread,
// which the device accepts by design), though raw words may spell one.
//
// Invariants checked after every operation (FUZZ_CHECK: a message and abort()):
//  - every published chain comes back at most once, with its own head, no more bytes
//    written than its writable part holds; an unfenced one within the round it was sent
//    in; one held past its round only when fenced and then with an OK answer (errors are
//    answered at once); after reset() nothing comes back and no chain is held; a head
//    published again while the device holds it is dropped as a bad chain, never answered
//    twice; CTX_DESTROY answers the held responses of that context's own fences; a fenced
//    request the renderer made a fence for comes back only once the device was told that
//    fence, or a later one of its timeline, retired (a context's timeline ends with it), or
//    its context was destroyed;
//  - answers are well formed: a known type of the right length (cut to the buffer), OK
//    types only for the command that has them, fence/ctx/ring echoed exactly as asked,
//    map_info CACHED, UNCACHED or WC;
//  - live renderer contexts <= limits::kMaxRendererContexts (64), counted both by the
//    device (RendererStats::live_contexts) and by the Witness, which must agree, across
//    resets too; after reset() the renderer holds no context, resource or mapping;
//  - the device's charged renderer bytes <= its charge limit (the configured
//    renderer_memory_limit), and 0 after reset(); the charge follows renderer_charge.h's
//    rules, worked out here on their own: RESOURCE_CREATE_3D and the PIPE_RESOURCE_CREATEs
//    of a SUBMIT_3D charged exactly their bound when accepted (and accepted only within
//    the limit), nothing when refused; guest blobs nothing, host blobs at most their size;
//    unref and CTX_DESTROY never more;
//  - DETACH_BACKING answered OK leaves the renderer without the resource's guest pages;
//  - the fake mapper never holds overlapping slots, slots outside the region, or a slot
//    that is not exactly a live renderer mapping; after reset() nothing stays mapped;
//  - every renderer call comes from the render thread; what a vCPU calls (config read,
//    notify, BAR move, display change, activate) returns while the render thread is
//    inside a renderer call (it holds the device's mutex then);
//  - memory: the process's resident anonymous memory (RssAnon, /proc/self/status) never
//    exceeds the baseline (taken after initialisation and one warm-up input) by more than
//    kRssSlack + renderer_memory_limit. renderer_memory_limit (256 MiB here) is what the
//    device lets a guest make the renderer hold; kRssSlack (768 MiB) covers ASan's
//    quarantine of freed blocks (256 MiB by default) and its shadow (1/8 of what is
//    touched), allocator fragmentation, llvmpipe's per-context state for up to 64 contexts
//    and LLVM's JIT code for the shaders an input compiles. It catches renderer memory the
//    device neither charges nor frees (contexts surviving reset are caught at once by the
//    Witness, this bound catches the rest once it adds up).
//
// Coverage: virglrenderer and Mesa are not instrumented, so libFuzzer sees only vmm's
// code. To steer it all the same, each answer (operation x response type), each virgl
// command of an accepted or refused stream, and each renderer call's return code bump a
// libFuzzer extra counter.
//
// With VMM_FUZZ_TRACE set in the environment each request and its answer are printed.
#include <sys/uio.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "base/page.h"
#include "devices/gpu/gpu_limits.h"
#include "devices/gpu/renderer/egl_probe.h"
#include "devices/gpu/renderer/virgl_renderer.h"
#include "devices/gpu/virtio_gpu.h"
#include "devices/gpu/virtio_gpu_protocol.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/gpu_fuzz_device.h"

// libFuzzer's extra counters: features beyond the instrumented code's own coverage.
__attribute__((used, section("__libfuzzer_extra_counters"))) static std::uint8_t g_features[8192];

namespace vmm::fuzz {
namespace {

using namespace gpu;
using namespace gpu_device;
constexpr std::uint16_t kCtrlQueueSize = 256;  // the device's maximum: room for held chains
constexpr std::uint16_t kCursorQueueSize = 16;
constexpr std::uint64_t kHostmemSize = 64ull << 20;
constexpr std::uint64_t kRendererMemoryLimit = 256ull << 20;
constexpr std::uint64_t kRssSlack = 768ull << 20;
constexpr int kMaxOps = 192;
constexpr auto kVcpuDeadline = std::chrono::milliseconds(2000);
constexpr auto kFenceWait = std::chrono::milliseconds(500);     // per wait
constexpr auto kWaitPerInput = std::chrono::milliseconds(2000);  // all waits of one input

constexpr std::uint32_t kCapsetVirgl2 = 2;

// virgl command stream (virglrenderer's src/virgl_protocol.h, as of 0.10.4).
namespace virgl {
constexpr std::uint32_t kNop = 0, kCreateObject = 1, kBindObject = 2, kDestroyObject = 3,
                        kSetViewportState = 4, kSetFramebufferState = 5, kSetVertexBuffers = 6,
                        kClear = 7, kResourceInlineWrite = 9, kSetSamplerViews = 10,
                        kSetIndexBuffer = 11, kSetScissorState = 15, kBlit = 16,
                        kResourceCopyRegion = 17, kBindSamplerStates = 18, kBeginQuery = 19,
                        kEndQuery = 20, kGetQueryResult = 21, kSetUniformBuffer = 27,
                        kSetSubCtx = 28, kCreateSubCtx = 29, kDestroySubCtx = 30,
                        kBindShader = 31, kSetShaderBuffers = 34, kSetShaderImages = 35,
                        kMemoryBarrier = 36, kSetFramebufferStateNoAttach = 38,
                        kTextureBarrier = 39, kTransfer3d = 43, kEndTransfers = 44,
                        kCopyTransfer3d = 45, kSetTweaks = 46, kClearTexture = 47,
                        kPipeResourceCreate = 48, kGetMemoryInfo = 50;
// Object types.
constexpr std::uint32_t kObjBlend = 1, kObjRasterizer = 2, kObjDsa = 3, kObjShader = 4,
                        kObjVertexElements = 5, kObjSamplerView = 6, kObjSamplerState = 7,
                        kObjSurface = 8, kObjQuery = 9, kObjStreamoutTarget = 10;
constexpr std::uint32_t cmd0(std::uint32_t cmd, std::uint32_t obj, std::uint32_t len) {
  return cmd | (obj << 8) | (len << 16);
}
constexpr std::uint32_t kPipeBuffer = 0;
constexpr std::uint32_t kFormatR8Unorm = 64;
constexpr std::uint32_t kBindVertexBuffer = 1u << 4;
constexpr std::uint32_t kResourceFlagMapPersistent = 1u << 1;
constexpr std::uint32_t kResourceFlagMapCoherent = 1u << 2;

constexpr std::uint32_t kFormats[] = {1, 2, 3, 9, 16, 19, 28, 31, 64, 65, 67, 71, 74, 121, 134};
constexpr std::uint32_t kBinds[] = {
    (1u << 1) | (1u << 3),  // render target | sampler view
    1u << 0,                // depth/stencil
    1u << 3, 1u << 4, 1u << 5, 1u << 6, 1u << 11, 1u << 14,
    (1u << 1) | (1u << 18),  // scanout
    1u << 19,                // staging
    1u << 17,                // custom
};

// Small TGSI programs that parse (Mesa's virgl driver sends TGSI text).
constexpr const char* kShaders[] = {
    "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\n  0: MOV OUT[0], IN[0]\n  1: END\n",
    "FRAG\nDCL OUT[0], COLOR\nIMM[0] FLT32 {    1.0000,     0.0000,     0.0000,     1.0000}\n"
    "  0: MOV OUT[0], IMM[0]\n  1: END\n",
    "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\nDCL SAMP[0]\n"
    "DCL SVIEW[0], 2D, FLOAT\n  0: TEX OUT[0], IN[0], SAMP[0], 2D\n  1: END\n",
    "GEOM\nPROPERTY GS_INPUT_PRIMITIVE TRIANGLES\nPROPERTY GS_OUTPUT_PRIMITIVE TRIANGLE_STRIP\n"
    "PROPERTY GS_MAX_OUTPUT_VERTICES 3\nDCL IN[][0], POSITION\nDCL OUT[0], POSITION\n"
    "  0: MOV OUT[0], IN[0][0]\n  1: EMIT IMM[0].xxxx\n  2: END\n",
};
}  // namespace virgl

// --- extra-counter features ---------------------------------------------------------------

void feature(std::uint32_t index) {
  std::uint8_t& c = g_features[index % sizeof(g_features)];
  if (c != 0xff) ++c;
}
std::uint32_t response_slot(std::uint32_t type) {
  if (type >= resp::kOkNodata && type <= resp::kOkMapInfo) return type - resp::kOkNodata;
  if (type >= resp::kErrUnspec && type <= resp::kErrInvalidParameter) return 8 + type - resp::kErrUnspec;
  return 15;
}
// 0, 1, 2-3, 4-7, ...: how many, without rewarding every single one more (a context costs
// tens of milliseconds under ASan).
std::uint32_t log2_bucket(std::size_t n) {
  std::uint32_t b = 0;
  while (n != 0) {
    ++b;
    n >>= 1;
  }
  return b;
}
enum FeatureBase : std::uint32_t {
  kAnswerFeatures = 0,        // op (64) x response slot (16)
  kStreamFeatures = 1024,     // virgl command (64) x accepted (2) x position (4)
  kRendererFeatures = 2048,   // renderer call (32) x return code (64)
  kWitnessFeatures = 4096,    // how many contexts / resources / maps the renderer holds
};

// --- the renderer as the device drives it -----------------------------------------------

// What the renderer holds, as the Witness saw the calls go by. Written on the render
// thread; read by the fuzzer inside run_on_render_thread (so never concurrently).
struct WitnessState {
  std::thread::id render_thread;
  std::set<std::uint32_t> contexts;
  std::set<std::uint32_t> resources;
  std::set<std::uint32_t> backed;  // resources the renderer holds guest pages of
  std::map<std::uint32_t, RendererMapping> mapped;
  // Run once, inside the next renderer call (the render thread then holds the device's
  // mutex): see Harness::vcpu_probe.
  std::atomic<bool> probe_armed{false};
  std::function<void()> probe;
  // A slow GPU: while hold_fences is set, the renderer's retired fences are kept here and
  // reach the device only at a poll() after it is cleared (a context's own go with it).
  std::atomic<bool> hold_fences{false};
  struct Retired {
    std::uint32_t ctx, ring;
    std::uint64_t fence;
    bool per_context;
  };
  std::vector<Retired> withheld;
  GpuRenderer::FenceRetired deliver;  // the device's callback

  // What the device was told of fences, to check it answers a fenced request only once its
  // fence (or a later one of its timeline) retired. Guarded by fence_mutex: the fuzzer
  // reads it while the render thread may be polling.
  std::mutex fence_mutex;
  // Per-context fences (the guest's ids) whose create_fence succeeded and whose response
  // has not come back: (ctx, ring, fence_id) -> how many; and the highest retired id
  // delivered to the device per (ctx, ring). A context's timeline ends with it.
  std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint64_t>, int> created;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> delivered_ctx;
  // Global fences (ids the device chooses), in the order they were made, numbered by that
  // order; virglrenderer retires them in order and reports the last of each batch. The
  // global timeline outlives contexts and resets, so what matters is order, not ids: a
  // response may come back once a fence made at or after its own was delivered retired.
  std::uint64_t global_made_count = 0;
  std::deque<std::pair<std::uint32_t, std::uint64_t>> global_made;  // id, order
  std::uint64_t delivered_order = 0;  // order of the latest global fence delivered retired

  // Passes a retired fence to the device, noting it first.
  void retire(const Retired& r) {
    {
      std::lock_guard lock(fence_mutex);
      if (r.per_context) {
        std::uint64_t& highest = delivered_ctx[{r.ctx, r.ring}];
        highest = std::max(highest, r.fence);
      } else {
        const auto id = static_cast<std::uint32_t>(r.fence);
        auto it = std::find_if(global_made.begin(), global_made.end(),
                               [&](const auto& made) { return made.first == id; });
        if (it != global_made.end()) {
          delivered_order = std::max(delivered_order, it->second);
          global_made.erase(global_made.begin(), it + 1);
        }
      }
    }
    deliver(r.ctx, r.ring, r.fence, r.per_context);
  }
};

enum class Call : std::uint32_t {
  CreateContext, Submit, Create3d, CreateBlob, AttachBacking, TransferTo, TransferFrom,
  MapBlob, UnmapBlob, MapInfo, CreateFence, Capset
};

class Witness final : public GpuRenderer {
 public:
  Witness(std::unique_ptr<GpuRenderer> real, WitnessState& state) : real_(std::move(real)), s_(state) {
    s_.render_thread = std::this_thread::get_id();
    s_.contexts.clear();
    s_.resources.clear();
    s_.mapped.clear();
  }

  std::string description() const override { return real_->description(); }
  std::vector<CapsetInfo> capsets() const override { return real_->capsets(); }
  std::vector<std::uint8_t> capset(std::uint32_t id, std::uint32_t version) override {
    here();
    auto bytes = real_->capset(id, version);
    note(Call::Capset, bytes.empty() ? -1 : 0);
    return bytes;
  }
  int create_context(std::uint32_t ctx, std::uint32_t capset_id, std::string_view name) override {
    here();
    const int rc = note(Call::CreateContext, real_->create_context(ctx, capset_id, name));
    if (rc == 0) s_.contexts.insert(ctx);
    FUZZ_CHECK(s_.contexts.size() <= limits::kMaxRendererContexts,
               "the renderer holds " + std::to_string(s_.contexts.size()) + " contexts, over " +
                   std::to_string(limits::kMaxRendererContexts));
    feature(kWitnessFeatures + log2_bucket(s_.contexts.size()));
    return rc;
  }
  void destroy_context(std::uint32_t ctx) override {
    here();
    real_->destroy_context(ctx);
    s_.contexts.erase(ctx);
    std::erase_if(s_.withheld, [&](const WitnessState::Retired& r) { return r.per_context && r.ctx == ctx; });
    // The context's timeline is gone: its held responses may be answered now, and a new
    // context of that id starts a new timeline.
    std::lock_guard lock(s_.fence_mutex);
    std::erase_if(s_.created, [&](const auto& entry) { return std::get<0>(entry.first) == ctx; });
    std::erase_if(s_.delivered_ctx, [&](const auto& entry) { return entry.first.first == ctx; });
  }
  void attach_resource(std::uint32_t ctx, std::uint32_t res) override {
    here();
    real_->attach_resource(ctx, res);
  }
  void detach_resource(std::uint32_t ctx, std::uint32_t res) override {
    here();
    real_->detach_resource(ctx, res);
  }
  int submit(std::uint32_t ctx, std::span<const std::uint32_t> commands) override {
    here();
    return note(Call::Submit, real_->submit(ctx, commands));
  }
  int create_resource_3d(const Resource3dArgs& args) override {
    here();
    const int rc = note(Call::Create3d, real_->create_resource_3d(args));
    if (rc == 0) s_.resources.insert(args.resource_id);
    feature(kWitnessFeatures + 32 + log2_bucket(s_.resources.size()));
    return rc;
  }
  int create_blob(const BlobArgs& args) override {
    here();
    const int rc = note(Call::CreateBlob, real_->create_blob(args));
    if (rc == 0) s_.resources.insert(args.resource_id);
    if (rc == 0 && !args.guest_pages.empty()) s_.backed.insert(args.resource_id);
    return rc;
  }
  void unref_resource(std::uint32_t res) override {
    here();
    FUZZ_CHECK(!s_.mapped.count(res), "resource " + std::to_string(res) +
                                          " unref'd while the renderer still has it mapped");
    real_->unref_resource(res);
    s_.resources.erase(res);
    s_.backed.erase(res);
  }
  int attach_backing(std::uint32_t res, std::span<const iovec> pages) override {
    here();
    const int rc = note(Call::AttachBacking, real_->attach_backing(res, pages));
    if (rc == 0) s_.backed.insert(res);
    return rc;
  }
  void detach_backing(std::uint32_t res) override {
    here();
    real_->detach_backing(res);
    s_.backed.erase(res);
  }
  int transfer_to_host(const TransferArgs& args) override {
    here();
    return note(Call::TransferTo, real_->transfer_to_host(args));
  }
  int transfer_from_host(const TransferArgs& args, std::span<const iovec> into) override {
    here();
    return note(Call::TransferFrom, real_->transfer_from_host(args, into));
  }
  int map_blob(std::uint32_t res, RendererMapping* out) override {
    here();
    FUZZ_CHECK(!s_.mapped.count(res), "resource " + std::to_string(res) + " mapped twice in the renderer");
    const int rc = note(Call::MapBlob, real_->map_blob(res, out));
    if (rc == 0) {
      FUZZ_CHECK(s_.resources.count(res), "the renderer mapped a resource it never created");
      s_.mapped[res] = *out;
    }
    return rc;
  }
  int unmap_blob(std::uint32_t res) override {
    here();
    FUZZ_CHECK(s_.mapped.count(res), "unmap_blob(" + std::to_string(res) + ") of a blob not mapped");
    s_.mapped.erase(res);
    return note(Call::UnmapBlob, real_->unmap_blob(res));
  }
  int map_info(std::uint32_t res) override {
    here();
    return note(Call::MapInfo, real_->map_info(res));
  }
  int create_fence(std::uint32_t ctx, std::uint32_t ring, std::uint64_t fence_id,
                   bool per_context) override {
    here();
    const int rc = note(Call::CreateFence, real_->create_fence(ctx, ring, fence_id, per_context));
    if (rc == 0) {
      std::lock_guard lock(s_.fence_mutex);
      if (per_context)
        ++s_.created[{ctx, ring, fence_id}];
      else
        s_.global_made.emplace_back(static_cast<std::uint32_t>(fence_id), ++s_.global_made_count);
    }
    return rc;
  }
  void poll() override {
    here();
    real_->poll();
    if (s_.hold_fences || s_.withheld.empty()) return;
    const std::vector<WitnessState::Retired> late = std::move(s_.withheld);
    s_.withheld.clear();
    for (const auto& r : late) s_.retire(r);
  }
  int poll_fd() const override { return real_->poll_fd(); }

 private:
  void here() const {
    FUZZ_CHECK(std::this_thread::get_id() == s_.render_thread,
               "a renderer call from a thread other than the render thread");
    if (s_.probe_armed.exchange(false)) s_.probe();
  }
  static int note(Call call, int rc) {
    const std::uint32_t code = rc >= 0 ? std::min(rc, 31) : 32 + std::min(-rc, 31);
    feature(kRendererFeatures + static_cast<std::uint32_t>(call) * 64 + code);
    return rc;
  }

  std::unique_ptr<GpuRenderer> real_;
  WitnessState& s_;
};

// --- memory -------------------------------------------------------------------------------

// RssAnon from /proc/self/status, in bytes (0 if it cannot be read).
std::uint64_t rss_anon_bytes() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  std::uint64_t kib = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, "RssAnon:", 8) == 0) {
      kib = std::strtoull(line + 8, nullptr, 10);
      break;
    }
  }
  std::fclose(f);
  return kib * 1024;
}

class CountingInterrupt : public VirtioInterrupt {
 public:
  void signal_used_queue(std::uint16_t) override { used.fetch_add(1, std::memory_order_relaxed); }
  void signal_config_change() override { config.fetch_add(1, std::memory_order_relaxed); }
  std::atomic<int> used{0};
  std::atomic<int> config{0};
};

// The header at the start of `bytes`, zeros where they are shorter.
CtrlHdr header_of(const std::vector<std::uint8_t>& bytes) {
  CtrlHdr hdr{};
  if (!bytes.empty()) std::memcpy(&hdr, bytes.data(), std::min(sizeof hdr, bytes.size()));
  return hdr;
}

// Op kinds, for features and the trace.
enum Op : std::uint8_t {
  kOpCtxCreate, kOpCtxDestroy, kOpCtxAttach, kOpSubmit, kOpCreate3d, kOpBacking, kOpBlob,
  kOpMap, kOpUnref, kOpTransfer, kOpAny, kOpCapset
};

// One request the device has not answered yet.
struct Sent {
  std::uint16_t queue = kControlQueue;
  std::uint16_t head = 0;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> writable;  // addr, len
  std::uint64_t capacity = 0;
  std::vector<std::uint8_t> request;  // the readable bytes, whole
  std::uint64_t desc_mark = 0;        // descriptors / buffer bytes the ring had handed out
  std::uint64_t byte_mark = 0;        //   before this chain
  bool held = false;                  // still unanswered after a whole round
  Op op = kOpAny;
  std::uint64_t seq = 0;                   // publication order
  std::optional<std::uint64_t> global_fence;  // the order of the global fence it made
  std::vector<std::uint32_t> stream_cmds;  // SUBMIT_3D: the virgl commands it carried
};

// The driver's side of one queue: the fake ring, the device's Virtqueue over it, and the
// chains published on it and not yet returned.
struct DriverQueue {
  std::unique_ptr<FakeDriverRing> ring;
  std::unique_ptr<Virtqueue> queue;
  std::map<std::uint16_t, Sent> pending;  // by head
  std::uint64_t descs = 0;                // handed out so far
  std::uint64_t bytes = 0;
  std::uint64_t data_size = 0;
  std::uint16_t size = 0;
};

// A thread standing in for a vCPU: runs one job at a time and says whether it finished
// within a deadline (when it does not, the fuzzer aborts; the job stays blocked).
class VcpuThread {
 public:
  VcpuThread() : thread_([this] { loop(); }) {}
  ~VcpuThread() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  bool run(std::function<void()> job, std::chrono::milliseconds deadline) {
    std::unique_lock lock(mutex_);
    job_ = std::move(job);
    done_ = false;
    wake_.notify_all();
    return finished_.wait_for(lock, deadline, [&] { return done_; });
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || job_ != nullptr; });
      if (stop_) return;
      std::function<void()> job = std::move(job_);
      job_ = nullptr;
      lock.unlock();
      job();
      lock.lock();
      done_ = true;
      finished_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  std::function<void()> job_;
  bool done_ = false;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the rest is built
};

// What renderer_charge.h says a resource is charged, worked out here on its own (exact
// 128-bit products, then saturated): a buffer its width, a texture 16 bytes per texel of
// every layer and sample, x2 with mip levels.
std::uint64_t model_bytes(std::uint32_t target, std::uint32_t width, std::uint32_t height,
                          std::uint32_t depth, std::uint32_t array_size, std::uint32_t last_level,
                          std::uint32_t nr_samples) {
  if (target == 0) return width;
  constexpr unsigned __int128 kMax = ~std::uint64_t{0};
  unsigned __int128 bytes = width;
  for (std::uint32_t n : {height, depth, array_size, nr_samples, 16u, last_level > 0 ? 2u : 1u}) {
    bytes *= std::max(n, 1u);
    if (bytes > kMax) return static_cast<std::uint64_t>(kMax);
  }
  return static_cast<std::uint64_t>(bytes);
}

// What the device's stream scan (renderer_charge.h) must make of a SUBMIT_3D: refused when
// a command runs past the end, a PIPE_RESOURCE_CREATE is not 11 dwords, or there are more
// than 256 of them or 16384 object creates; else charged the sum of its resources.
struct StreamModel {
  bool refused = false;
  std::uint64_t bytes = 0;
};
StreamModel model_stream(const std::vector<std::uint32_t>& words) {
  StreamModel m;
  std::uint32_t creates = 0, objects = 0;
  for (std::size_t at = 0; at < words.size();) {
    const std::uint32_t command = words[at] & 0xff;
    const std::size_t length = words[at] >> 16;
    if (length > words.size() - at - 1) return {true, 0};
    const std::uint32_t* p = &words[at];
    if (command == virgl::kPipeResourceCreate) {
      if (length != 11 || ++creates > 256) return {true, 0};
      const std::uint64_t bytes = model_bytes(p[1], p[4], p[5], p[6], p[7], p[8], p[9]);
      m.bytes = bytes > ~m.bytes ? ~std::uint64_t{0} : m.bytes + bytes;
    } else if ((command == virgl::kCreateObject || command == virgl::kCreateSubCtx) && ++objects > 16384) {
      return {true, 0};
    }
    at += 1 + length;
  }
  return m;
}

class Harness {
 public:
  // Makes the device; false (with *why) when there is no EGL or no renderer.
  bool init(std::string* why) {
    if (!probe_surfaceless_egl(why)) return false;
    config_.hostmem_size = kHostmemSize;
    config_.renderer = RendererKind::Virgl;
    config_.renderer_memory_limit = kRendererMemoryLimit;
    try {
      gpu_ = std::make_unique<VirtioGpu>(
          memory_, mapper_, config_,
          [this](GpuRenderer::FenceRetired on_fence, std::string* error) -> std::unique_ptr<GpuRenderer> {
            witness_.deliver = std::move(on_fence);
            auto retired = [this](std::uint32_t ctx, std::uint32_t ring, std::uint64_t fence, bool per_context) {
              if (witness_.hold_fences) witness_.withheld.push_back({ctx, ring, fence, per_context});
              else witness_.retire({ctx, ring, fence, per_context});
            };
            auto real = create_virgl_renderer(RendererKind::Virgl, retired, error);
            if (!real) return nullptr;
            return std::make_unique<Witness>(std::move(real), witness_);
          });
    } catch (const std::exception& e) {
      *why = e.what();
      return false;
    }
    const auto stats = gpu_->renderer_stats();
    if (!stats) {
      *why = "the device has no renderer";
      return false;
    }
    capsets_ = stats->capsets;
    trace_ = std::getenv("VMM_FUZZ_TRACE") != nullptr;
    return true;
  }

  void set_rss_baseline() { rss_baseline_ = rss_anon_bytes(); }

  void run(ByteReader& in) {
    in_ = &in;
    start_input();
    for (int steps = 0; !in.done() && steps < kMaxOps; ++steps) {
      step(in.u8());
      check_state();
    }
    // Every input ends the way it found the device: reset, nothing held, nothing mapped. Its
    // global fences are let retire first: one retiring after the reset would still count on
    // the device's timeline in the next input (see the file's notes on resets).
    witness_.hold_fences = false;
    settle_global_fences();
    reset_device();
    check_state();
    in_ = nullptr;
  }

 private:
  ByteReader& in() { return *in_; }

  // --- the device's lifecycle -------------------------------------------------------------

  void start_input() {
    mapper_.calls.clear();  // the fake records every call; it would grow without end
    mapper_.refusals.clear();
    mapper_.refuse_next_map.clear();
    next_fence_ = 1;
    wait_left_ = kWaitPerInput;
    if (auto backing = memory_.span(kBackingBase, kBackingSize)) std::fill(backing->begin(), backing->end(), 0);
    set_base(gpu_encoding::kBarBase);
    activate(features_from(in().u8()));
  }

  static std::uint64_t features_from(std::uint8_t byte) {
    if (byte < 0xc0)
      return (1ull << kFeatureVirgl) | (1ull << kFeatureResourceBlob) | (1ull << kFeatureContextInit);
    return byte & 0x1f;
  }

  void activate(std::uint64_t features) {
    auto make = [&](DriverQueue& q, std::uint64_t base, std::uint16_t size) {
      q.pending.clear();
      q.ring = std::make_unique<FakeDriverRing>(memory_, FakeDriverRing::Options{.size = size, .ring_base = base});
      q.queue = std::make_unique<Virtqueue>(memory_, q.ring->config());
      q.size = size;
      q.data_size = q.ring->data_end() - q.ring->data_begin();
    };
    make(ctrl_, kCtrlRange, kCtrlQueueSize);
    make(cursor_, kCursorRange, kCursorQueueSize);
    gpu_->activate(features, {ctrl_.queue.get(), cursor_.queue.get()}, interrupt_);
    if (trace_)
      std::fprintf(stderr, "virgl_renderer_fuzz: activate(%#llx)\n",
                   static_cast<unsigned long long>(features));
    features_ = features;
    activated_ = true;
  }

  void set_base(std::uint64_t base) {
    gpu_->set_shared_memory_base(kShmIdHostVisible, base);
    base_ = base;
  }

  void reset_device() {
    if (trace_) std::fprintf(stderr, "virgl_renderer_fuzz: reset()\n");
    // Fences withheld (a slow GPU) reach the device after the reset, as fences still
    // running at a reset do; a fence made before it must not answer a request after it.
    gpu_->reset();
    witness_.hold_fences = false;
    ++resets_;
    // reset() ran on the render thread between two rounds: what came back before it is
    // checked like any answer; after it, one more round must return nothing from the
    // queues the device was told to forget.
    collect(/*after_round=*/false);
    activated_ = false;
    round();
    for (DriverQueue* q : {&ctrl_, &cursor_}) {
      if (!q->ring) continue;
      FUZZ_CHECK(!q->ring->take_used(), "a chain came back after reset()");
      q->pending.clear();  // the driver gave up on them with the reset
    }
    destroyed_.clear();
    detached_.clear();
    FUZZ_CHECK(mapper_.live.empty(), "a slot stayed mapped after reset()");
    FUZZ_CHECK(gpu_->resource_count() == 0, "resources survived reset()");
    gpu_->run_on_render_thread([&] {
      FUZZ_CHECK(witness_.contexts.empty(),
                 std::to_string(witness_.contexts.size()) +
                     " renderer contexts survived reset() (first: ctx " +
                     std::to_string(*witness_.contexts.begin()) + ")");
      FUZZ_CHECK(witness_.resources.empty(),
                 std::to_string(witness_.resources.size()) + " renderer resources survived reset()");
      FUZZ_CHECK(witness_.mapped.empty(), "a renderer blob stayed mapped after reset()");
    });
    const auto stats = gpu_->renderer_stats();
    FUZZ_CHECK(stats->live_contexts == 0, "RendererStats::live_contexts is " +
                                              std::to_string(stats->live_contexts) + " after reset()");
    FUZZ_CHECK(stats->charged_bytes == 0, "RendererStats::charged_bytes is " +
                                              std::to_string(stats->charged_bytes) + " after reset()");
  }

  // One whole round of the render thread: the second task runs only after a round of work
  // that began after the first.
  void round() {
    gpu_->run_on_render_thread([] {});
    gpu_->run_on_render_thread([] {});
  }

  // --- operations ---------------------------------------------------------------------------

  void step(std::uint8_t op) {
    switch (op % 16) {
      case 0: ctx_create(); break;
      case 1: ctx_destroy(); break;
      case 2: ctx_attach(); break;
      case 3: case 4: case 5: submit(); break;
      case 6: create_3d(); break;
      case 7: backing(); break;
      case 8: create_blob(); break;
      case 9: map_unmap(); break;
      case 10: unref(); break;
      case 11: transfer(); break;
      case 12: {
        const std::uint8_t sel = in().u8();
        if (sel < 0xc0 || batching_) wait_for_fences(); else batch(2 + sel % 3);
        break;
      }
      case 13:
        reset_device();
        if (in().u8() % 8 != 0) activate(features_from(in().u8()));
        break;
      case 14: any_request(); break;
      default: misc(); break;
    }
  }

  // The common header byte (see the top of this file).
  struct HdrChoice {
    CtrlHdr hdr{};
    bool short_response = false;
    bool indirect = false;
  };
  HdrChoice hdr(std::uint32_t type, std::uint32_t ctx = 0) {
    const std::uint8_t h = in().u8();
    HdrChoice c;
    c.hdr.type = type;
    c.hdr.ctx_id = ctx;
    c.hdr.flags = h & (kFlagFence | kFlagInfoRingIdx);
    if (c.hdr.flags & kFlagFence) c.hdr.fence_id = ((h >> 2) & 3) == 3 ? in().u32() : next_fence_++;
    if (c.hdr.flags & kFlagInfoRingIdx) c.hdr.ring_idx = (h >> 4) & 3;
    c.short_response = (h & 0x40) != 0;
    c.indirect = (h & 0x80) != 0;
    return c;
  }

  std::uint32_t ctx_id() {
    const std::uint8_t sel = in().u8();
    if (sel < 0xb0) return 1 + sel % 8;
    if (sel < 0xf0) return 1 + in().u8();
    if (sel < 0xf8) return 0;
    return in().u32();
  }
  std::uint32_t res_id() {
    const std::uint8_t sel = in().u8();
    if (sel < 0xe0) return 1 + sel % 16;
    if (sel < 0xf0) return 0;
    return in().u32();
  }
  // Widths, heights, box extents: mostly small, sometimes hostile.
  std::uint32_t dim() {
    const std::uint8_t sel = in().u8();
    switch (sel % 8) {
      case 0: case 1: case 2: return 1 + in().u8() % 64;
      case 3: return 1 + in().u8();
      case 4: return 0;
      case 5: return 1u << (in().u8() % 15);
      case 6: return in().u16();
      default: return in().u32();
    }
  }
  // Offsets, levels, small counts.
  std::uint32_t small() {
    const std::uint8_t sel = in().u8();
    if (sel < 0xc0) return sel % 8;
    if (sel < 0xe0) return in().u8();
    if (sel < 0xf0) return in().u16();
    return in().u32();
  }
  std::uint32_t pick(const std::uint32_t* values, std::size_t n) {
    const std::uint8_t sel = in().u8();
    if (sel >= 0xf0) return in().u32();
    return values[sel % n];
  }
  std::uint32_t format() { return pick(virgl::kFormats, std::size(virgl::kFormats)); }
  std::uint32_t bind() { return pick(virgl::kBinds, std::size(virgl::kBinds)); }
  std::uint32_t handle() {  // virgl object handles
    const std::uint8_t sel = in().u8();
    if (sel < 0xf0) return 1 + sel % 16;
    return in().u32();
  }

  std::vector<MemEntry> entries() {
    const unsigned count = in().u8() % 5;
    std::vector<MemEntry> out;
    for (unsigned i = 0; i < count; ++i) {
      MemEntry e{};
      if (in().u8() % 8 == 0) {
        e.addr = in().u64();
        e.length = in().u32();
      } else {
        const std::uint64_t pages = kBackingSize / kPageSize;
        const std::uint64_t first = in().u8() % pages;
        e.addr = kBackingBase + first * kPageSize;
        e.length = static_cast<std::uint32_t>((1 + in().u8() % (pages - first)) * kPageSize);
      }
      out.push_back(e);
    }
    return out;
  }

  template <typename Wire>
  static std::vector<std::uint8_t> bytes_of(const Wire& wire) {
    std::vector<std::uint8_t> out;
    append(out, wire);
    return out;
  }

  static std::uint32_t expected_length(std::uint32_t type) {
    switch (type) {
      case cmd::kGetDisplayInfo: return sizeof(RespDisplayInfo);
      case cmd::kResourceMapBlob: return sizeof(RespMapInfo);
      case cmd::kGetCapsetInfo: return sizeof(RespCapsetInfo);
      case cmd::kGetCapset: return sizeof(CtrlHdr) + (64u << 10);
      default: return sizeof(CtrlHdr);
    }
  }

  // Sends one structured request on the control queue, with a response buffer of the
  // expected size (or cut short), and checks what comes back.
  void send(const HdrChoice& c, std::vector<std::uint8_t> request, Op op,
            std::vector<std::uint32_t> stream_cmds = {}, std::uint32_t response_len = 0) {
    std::uint32_t len = response_len != 0 ? response_len : expected_length(c.hdr.type);
    if (c.short_response) len = in().u8() % len;
    std::vector<std::vector<std::uint8_t>> readable{std::move(request)};
    std::vector<std::uint32_t> writable;
    if (len > 0) writable.push_back(len);
    publish(kControlQueue, readable, writable, c.indirect, op, std::move(stream_cmds));
  }

  void publish(std::uint16_t queue, const std::vector<std::vector<std::uint8_t>>& readable,
               const std::vector<std::uint32_t>& writable, bool indirect, Op op,
               std::vector<std::uint32_t> stream_cmds = {}) {
    last_seq_ = 0;  // nothing sent yet
    last_answer_.reset();
    DriverQueue& q = queue == kControlQueue ? ctrl_ : cursor_;
    std::vector<FakeBuffer> buffers;
    std::uint64_t need = 0;
    for (const auto& piece : readable) {
      buffers.push_back(FakeBuffer::readable(piece));
      need += piece.size() + 16;
    }
    for (std::uint32_t len : writable) {
      buffers.push_back(FakeBuffer::writable(len));
      need += len + 16;
    }
    if (buffers.empty()) return;
    const std::uint64_t descs = indirect ? 1 : buffers.size();
    if (indirect) need += 16 * buffers.size() + 16;
    if (need > q.data_size / 4) return;  // never this big; keeps the reuse rule below simple
    if (!make_room(q, descs, need)) return;

    Sent sent;
    sent.queue = queue;
    sent.desc_mark = q.descs;
    sent.byte_mark = q.bytes;
    sent.op = op;
    if (!batching_) start_round_record();
    sent.seq = ++seq_;
    last_seq_ = sent.seq;
    sent.stream_cmds = std::move(stream_cmds);
    for (const auto& piece : readable) sent.request.insert(sent.request.end(), piece.begin(), piece.end());
    auto added = q.ring->add_chain(buffers, indirect);
    q.descs += descs;
    q.bytes += need;
    sent.head = added.head;
    if (queue == kControlQueue) last_head_ = added.head;
    for (std::size_t i = 0; i < writable.size(); ++i) {
      sent.writable.emplace_back(added.addrs[readable.size() + i], writable[i]);
      sent.capacity += writable[i];
    }
    FUZZ_CHECK(!q.pending.count(added.head), "fuzzer: a head reused while its chain is held");
    q.pending.emplace(added.head, std::move(sent));
    if (batching_) return;  // the batch notifies once, at its end
    gpu_->notify_queue(queue);
    round();
    note_global_fences();
    collect(/*after_round=*/true);
  }

  // Where the chains and global fences of the next round start (note_global_fences).
  void start_round_record() {
    round_start_seq_ = seq_;
    std::lock_guard lock(witness_.fence_mutex);
    round_start_fences_ = witness_.global_made_count;
  }

  // 2 to 4 requests published before one notify, taken in one round (as a driver queues
  // several between two kicks): fences of one round, answers in one go. Only the commands
  // (ops 0-11, 14) may be in a batch.
  void batch(unsigned count) {
    if (!activated_) return;
    start_round_record();
    batching_ = true;
    for (unsigned i = 0; i < count && !in().done(); ++i) {
      const std::uint8_t op = in().u8();
      if (op % 16 < 12 || op % 16 == 14) step(op);
    }
    batching_ = false;
    last_seq_ = 0;  // no single answer to check a charge against
    gpu_->notify_queue(kControlQueue);
    gpu_->notify_queue(kCursorQueue);
    round();
    note_global_fences();
    collect(/*after_round=*/true);
  }

  // Held chains' descriptors and buffers must not be handed out again: wait for them,
  // and if they stay held, reset (the driver gives up on them).
  bool make_room(DriverQueue& q, std::uint64_t descs, std::uint64_t need) {
    auto crowded = [&] {
      for (const auto& [head, s] : q.pending)
        if (q.descs + descs - s.desc_mark > q.size / 2u || q.bytes + need - s.byte_mark > q.data_size / 2)
          return true;
      return false;
    };
    if (!crowded()) return true;
    if (!batching_) wait_for_fences();
    if (!crowded()) return true;
    if (batching_) return false;  // no reset in the middle of a batch: the request is dropped
    reset_device();
    activate((1ull << kFeatureVirgl) | (1ull << kFeatureResourceBlob) | (1ull << kFeatureContextInit));
    return true;
  }

  // Takes every used element from both queues and checks it against what was sent.
  // `after_round`: a whole round has passed since the last publish, so anything still
  // pending is held by the device.
  void collect(bool after_round) {
    drain();
    for (DriverQueue* q : {&ctrl_, &cursor_}) {
      if (!after_round) continue;
      for (auto& [head, s] : q->pending) {
        if (!activated_) continue;  // not running: nothing is answered
        const CtrlHdr asked = header_of(s.request);
        FUZZ_CHECK(s.request.size() >= sizeof(CtrlHdr) && (asked.flags & kFlagFence),
                   "an unfenced request (type " + std::to_string(asked.type) +
                       ") was not answered within its round");
        s.held = true;
      }
    }
    if (!activated_) {
      ctrl_.pending.clear();
      cursor_.pending.clear();
    }
    after_answers();
  }

  // Takes every used element from both queues and checks it against what was sent. Safe on
  // the render thread (between rounds); what needs the render thread is left to
  // after_answers().
  void drain() {
    for (DriverQueue* q : {&ctrl_, &cursor_}) {
      if (!q->ring) continue;
      while (auto used = q->ring->take_used()) {
        FUZZ_CHECK(activated_, "a chain came back while the device was reset");
        auto it = q->pending.find(static_cast<std::uint16_t>(used->id));
        FUZZ_CHECK(used->id < q->size && it != q->pending.end(),
                   "the device returned head " + std::to_string(used->id) +
                       ", which is not a chain it holds (returned twice, or never published)");
        check_answer(it->second, used->len);
        q->pending.erase(it);
      }
    }
  }

  // Checks some answers imply, once every answer of the round is in.
  void after_answers() {
    // CTX_DESTROY answers the held responses of the context's own fences at once (its
    // timeline is gone, so they would never retire).
    for (const auto& [ctx, seq] : destroyed_) {
      for (const auto& [head, s] : ctrl_.pending) {
        const CtrlHdr asked = header_of(s.request);
        FUZZ_CHECK(!(s.seq < seq && s.request.size() >= sizeof(CtrlHdr) &&
                     (asked.flags & kFlagFence) && (asked.flags & kFlagInfoRingIdx) &&
                     asked.ctx_id == ctx),
                   "a response fenced on context " + std::to_string(ctx) +
                       "'s own timeline is still held after CTX_DESTROY of that context was answered");
      }
    }
    destroyed_.clear();
    // DETACH_BACKING answered OK: the renderer no longer holds the resource's guest pages.
    for (std::uint32_t id : detached_) {
      bool backed = false;
      gpu_->run_on_render_thread([&] { backed = witness_.backed.count(id) != 0; });
      FUZZ_CHECK(!backed, "DETACH_BACKING of resource " + std::to_string(id) +
                              " answered OK, but the renderer still holds its guest pages");
    }
    detached_.clear();
  }

  std::uint32_t capset_size(std::uint32_t id) const {
    for (const CapsetInfo& c : capsets_)
      if (c.id == id) return c.max_size;
    return 0;
  }

  void check_answer(const Sent& s, std::uint32_t written) {
    FUZZ_CHECK(written <= s.capacity, "the device claims more bytes than the writable part holds");
    std::vector<std::uint8_t> response;
    DriverQueue& q = s.queue == kControlQueue ? ctrl_ : cursor_;
    for (const auto& [addr, len] : s.writable) {
      const auto part = q.ring->read(addr, len);
      response.insert(response.end(), part.begin(), part.end());
    }
    const bool has_header = s.request.size() >= sizeof(CtrlHdr);
    const CtrlHdr asked = has_header ? header_of(s.request) : CtrlHdr{};  // else unread
    if (s.queue == kCursorQueue && s.capacity == 0) {
      FUZZ_CHECK(written == 0, "a cursor command without a response buffer gets nothing");
      return;
    }
    if (s.capacity < sizeof(std::uint32_t)) {
      FUZZ_CHECK(written == s.capacity, "a response is at least a header: it fills a tiny buffer");
      return;
    }
    const CtrlHdr hdr = header_of(response);
    if (trace_)
      std::fprintf(stderr,
                   "virgl_renderer_fuzz: op %u type %#x ctx %u flags %#x fence %llu ring %u "
                   "(%zu bytes%s) -> %#x (%u bytes)\n",
                   s.op, asked.type, asked.ctx_id, asked.flags,
                   static_cast<unsigned long long>(asked.fence_id), asked.ring_idx,
                   s.request.size(), s.held ? ", held" : "", hdr.type, written);
    FUZZ_CHECK(known_response(hdr.type), "unknown response type " + std::to_string(hdr.type));
    feature(kAnswerFeatures + s.op * 16 + response_slot(hdr.type));
    if (s.seq == last_seq_) last_answer_ = hdr.type;
    if (has_header && hdr.type == resp::kOkNodata) {
      if (asked.type == cmd::kCtxDestroy) {
        destroyed_.emplace_back(asked.ctx_id, s.seq);
        if (trace_)
          for (const auto& [head, other] : ctrl_.pending)
            if (other.seq < s.seq && (header_of(other.request).flags & kFlagInfoRingIdx))
              std::fprintf(stderr, "virgl_renderer_fuzz:   (held before CTX_DESTROY: head %u)\n", head);
      }
      if (asked.type == cmd::kResourceDetachBacking && !s.held && s.request.size() >= sizeof(ResourceIdCmd)) {
        ResourceIdCmd wire{};
        std::memcpy(&wire, s.request.data(), sizeof wire);
        detached_.push_back(wire.resource_id);
      }
    }
    for (std::size_t i = 0; i < s.stream_cmds.size(); ++i)
      feature(kStreamFeatures + (s.stream_cmds[i] & 63) * 8 + (resp::is_error(hdr.type) ? 0 : 4) +
              std::min<std::size_t>(i, 3));

    std::uint64_t full = sizeof(CtrlHdr);
    if (hdr.type == resp::kOkDisplayInfo) full = sizeof(RespDisplayInfo);
    if (hdr.type == resp::kOkMapInfo) full = sizeof(RespMapInfo);
    if (hdr.type == resp::kOkCapsetInfo) full = sizeof(RespCapsetInfo);
    if (hdr.type == resp::kOkCapset) {
      std::uint32_t id = 0;
      if (s.request.size() >= sizeof(CtrlHdr) + 4) std::memcpy(&id, s.request.data() + sizeof(CtrlHdr), 4);
      full = sizeof(CtrlHdr) + capset_size(id);
    }
    const std::uint64_t expected = std::min<std::uint64_t>(s.capacity, full);
    FUZZ_CHECK(written == expected, "response of type " + std::to_string(hdr.type) + " wrote " +
                                        std::to_string(written) + " bytes, expected " +
                                        std::to_string(expected));
    if (s.held)
      FUZZ_CHECK(!resp::is_error(hdr.type),
                 "a held (fenced) request was answered with an error; errors are answered at once");

    const std::pair<std::uint32_t, std::uint32_t> ok_for[] = {
        {resp::kOkDisplayInfo, cmd::kGetDisplayInfo},
        {resp::kOkMapInfo, cmd::kResourceMapBlob},
        {resp::kOkCapsetInfo, cmd::kGetCapsetInfo},
        {resp::kOkCapset, cmd::kGetCapset},
        {resp::kOkEdid, cmd::kGetEdid},
        {resp::kOkResourceUuid, cmd::kResourceAssignUuid},
    };
    for (const auto& [ok, command] : ok_for) {
      if (hdr.type == ok)
        FUZZ_CHECK(has_header && asked.type == command,
                   "OK type " + std::to_string(ok) + " answers command " + std::to_string(asked.type));
      if (hdr.type == resp::kOkNodata)
        FUZZ_CHECK(asked.type != command, "OK_NODATA for a command that answers with data");
    }
    if (!has_header)
      FUZZ_CHECK(hdr.type == resp::kErrUnspec, "a request shorter than a header is ERR_UNSPEC");
    if (written < sizeof(CtrlHdr)) return;

    if ((asked.flags & kFlagFence) && !resp::is_error(hdr.type)) check_fence_retired(s, asked);
    gpu_encoding::check_fence_echo(hdr, asked);
    if (hdr.type == resp::kOkMapInfo && written == sizeof(RespMapInfo)) {
      RespMapInfo info{};
      std::memcpy(&info, response.data(), sizeof info);
      FUZZ_CHECK(info.map_info == kMapCacheCached || info.map_info == kMapCacheUncached ||
                     info.map_info == kMapCacheWc,
                 "map_info " + std::to_string(info.map_info) + " is not CACHED, UNCACHED or WC");
    }
  }

  // Rounds until the renderer has reported every global fence made so far, for at most
  // kFenceWait.
  void settle_global_fences() {
    const auto deadline = std::chrono::steady_clock::now() + kFenceWait;
    for (;;) {
      bool settled = false;
      {
        std::lock_guard lock(witness_.fence_mutex);
        settled = witness_.global_made.empty();
      }
      if (settled || std::chrono::steady_clock::now() > deadline) return;
      round();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  // Rounds until no chain is held, for at most kFenceWait, and kWaitPerInput in all: a
  // fence may never retire (a guest's fence ids need not grow), and an input must not
  // spend the -timeout waiting for one.
  // A fenced request the device made a renderer fence for is answered once that fence, or a
  // later one of its timeline, was reported retired to the device, or (per-context) its
  // context was destroyed. Requests whose fence the renderer refused were answered at once.
  void check_fence_retired(const Sent& s, const CtrlHdr& asked) {
    std::lock_guard lock(witness_.fence_mutex);
    bool retired = false;
    if (asked.flags & kFlagInfoRingIdx) {
      auto it = witness_.created.find({asked.ctx_id, asked.ring_idx, asked.fence_id});
      if (it == witness_.created.end()) return;  // no renderer fence (refused, or context gone)
      if (--it->second == 0) witness_.created.erase(it);
      auto d = witness_.delivered_ctx.find({asked.ctx_id, asked.ring_idx});
      retired = d != witness_.delivered_ctx.end() && d->second >= asked.fence_id;
    } else {
      if (!s.global_fence) return;  // not known to have made one (refused, or in a batch)
      retired = witness_.delivered_order >= *s.global_fence;
    }
    FUZZ_CHECK(retired, std::string("a response fenced on ") +
                            ((asked.flags & kFlagInfoRingIdx)
                                 ? "context " + std::to_string(asked.ctx_id) + " ring " +
                                       std::to_string(asked.ring_idx)
                                 : std::string("the global timeline")) +
                            " with fence " + std::to_string(asked.fence_id) +
                            " came back before the renderer retired its fence or a later one");
  }

  // Which global fence each chain of the last round made: the device makes them in the
  // order it takes the chains, one per fenced request it holds. Known when the round made
  // exactly as many as it took global-fenced chains (a refused one would shift the rest).
  void note_global_fences() {
    const std::uint64_t made_before = round_start_fences_;
    std::uint64_t made_after = 0;
    {
      std::lock_guard lock(witness_.fence_mutex);
      made_after = witness_.global_made_count;
    }
    std::vector<Sent*> fenced;
    for (auto& [head, sent] : ctrl_.pending)
      if (sent.seq > round_start_seq_) fenced.push_back(&sent);
    for (auto& [head, sent] : cursor_.pending)
      if (sent.seq > round_start_seq_) fenced.push_back(&sent);
    std::erase_if(fenced, [](const Sent* sent) {
      const CtrlHdr asked = header_of(sent->request);
      return sent->request.size() < sizeof(CtrlHdr) || !(asked.flags & kFlagFence) ||
             (asked.flags & kFlagInfoRingIdx);
    });
    std::sort(fenced.begin(), fenced.end(), [](const Sent* a, const Sent* b) { return a->seq < b->seq; });
    if (made_after - made_before != fenced.size()) return;
    for (std::size_t i = 0; i < fenced.size(); ++i) fenced[i]->global_fence = made_before + 1 + i;
  }

  void wait_for_fences() {
    witness_.hold_fences = false;
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + std::min<std::chrono::steady_clock::duration>(kFenceWait, wait_left_);
    while (!ctrl_.pending.empty() || !cursor_.pending.empty()) {
      round();
      collect(/*after_round=*/true);
      if (std::chrono::steady_clock::now() > deadline) break;
      if (!ctrl_.pending.empty() || !cursor_.pending.empty())
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    wait_left_ -= std::min(wait_left_, std::chrono::steady_clock::now() - start);
  }

  // --- the commands -----------------------------------------------------------------------

  void ctx_create() {
    const HdrChoice c0 = hdr(cmd::kCtxCreate);
    const std::uint32_t first = ctx_id();
    const std::uint8_t n = in().u8();
    const unsigned count = n >= 0xe0 ? 1 + in().u8() % 72 : 1;
    const std::uint8_t init_sel = in().u8() % 4;
    const std::uint32_t init = init_sel == 0 ? 0 : init_sel < 3 ? kCapsetVirgl2 : in().u8();
    const std::uint32_t nlen = in().u8() % 72;
    for (unsigned i = 0; i < count; ++i) {
      HdrChoice c = c0;
      if (c.hdr.flags & kFlagFence) c.hdr.fence_id = next_fence_++;
      CtxCreate wire{};
      wire.hdr = c.hdr;
      wire.hdr.ctx_id = first + i;
      wire.nlen = nlen;
      wire.context_init = init;
      std::snprintf(wire.debug_name, sizeof wire.debug_name, "fuzz-%u", first + i);
      send(c, bytes_of(wire), kOpCtxCreate);
    }
  }

  void ctx_destroy() {
    HdrChoice c = hdr(cmd::kCtxDestroy);
    c.hdr.ctx_id = ctx_id();
    const Before before = before_charge();
    send(c, bytes_of(c.hdr), kOpCtxDestroy);
    check_charge("CTX_DESTROY", before, [](std::uint32_t, std::uint64_t was, std::uint64_t now) {
      FUZZ_CHECK(now <= was, "destroying a context charged more");
    });
  }

  void ctx_attach() {
    const bool attach = in().u8() & 1;
    HdrChoice c = hdr(attach ? cmd::kCtxAttachResource : cmd::kCtxDetachResource);
    c.hdr.ctx_id = ctx_id();
    ResourceIdCmd wire{c.hdr, res_id(), 0};
    send(c, bytes_of(wire), kOpCtxAttach);
  }

  void create_3d() {
    HdrChoice c = hdr(cmd::kResourceCreate3d);
    ResourceCreate3d wire{};
    wire.hdr = c.hdr;
    wire.resource_id = res_id();
    wire.target = in().u8() >= 0xf0 ? in().u32() : in().u8() % 9;
    wire.format = format();
    wire.bind = bind();
    wire.width = dim();
    wire.height = dim();
    wire.depth = in().u8() < 0xd0 ? 1 : dim();
    wire.array_size = in().u8() < 0xd0 ? 1 : dim();
    wire.last_level = small();
    wire.nr_samples = in().u8() < 0xd0 ? 0 : small();
    wire.flags = in().u8() < 0xe0 ? 0 : in().u32();
    const Before before = before_charge();
    send(c, bytes_of(wire), kOpCreate3d);
    const std::uint64_t bytes = model_bytes(wire.target, wire.width, wire.height, wire.depth,
                                            wire.array_size, wire.last_level, wire.nr_samples);
    check_charge("RESOURCE_CREATE_3D", before, [&](std::uint32_t answer, std::uint64_t was, std::uint64_t now) {
      const std::uint64_t room = config_.renderer_memory_limit - was;
      if (answer == resp::kOkNodata) {
        FUZZ_CHECK(bytes <= room, "a resource of " + std::to_string(bytes) + " bytes was created with " +
                                      std::to_string(room) + " bytes left under the limit");
        FUZZ_CHECK(now - was == bytes, "created, charged " + std::to_string(now - was) + " bytes, not " +
                                           std::to_string(bytes));
      } else {
        FUZZ_CHECK(now == was, "refused, yet the charge moved");
      }
      if (answer == resp::kErrOutOfMemory)
        FUZZ_CHECK(bytes > room || gpu_->resource_count() >= limits::kMaxResources,
                   "refused ERR_OUT_OF_MEMORY with room for its " + std::to_string(bytes) + " bytes");
      // Charged before the renderer sees it: past the limit it is the device that refuses.
      if (bytes > room && (features_ & (1ull << kFeatureVirgl)))
        FUZZ_CHECK(answer == resp::kErrOutOfMemory || answer == resp::kErrInvalidResourceId,
                   "a resource of " + std::to_string(bytes) + " bytes with " + std::to_string(room) +
                       " left under the limit was answered " + std::to_string(answer) +
                       ", not ERR_OUT_OF_MEMORY");
    });
  }

  void backing() {
    if (in().u8() & 1) {
      HdrChoice c = hdr(cmd::kResourceAttachBacking);
      const std::uint32_t id = res_id();
      const auto list = entries();
      ResourceAttachBacking wire{c.hdr, id, static_cast<std::uint32_t>(list.size())};
      auto bytes = bytes_of(wire);
      for (const MemEntry& e : list) append(bytes, e);
      send(c, std::move(bytes), kOpBacking);
    } else {
      HdrChoice c = hdr(cmd::kResourceDetachBacking);
      ResourceIdCmd wire{c.hdr, res_id(), 0};
      send(c, bytes_of(wire), kOpBacking);
    }
  }

  void create_blob() {
    HdrChoice c = hdr(cmd::kResourceCreateBlob);
    const std::uint8_t ctx_sel = in().u8();
    c.hdr.ctx_id = ctx_sel % 4 == 0 ? 0 : ctx_id();
    ResourceCreateBlob wire{};
    wire.hdr = c.hdr;
    wire.resource_id = res_id();
    const std::uint8_t mem = in().u8() % 8;
    wire.blob_mem = mem <= 2 || mem == 7 ? kBlobMemHost3d
                    : mem <= 4           ? kBlobMemGuest
                    : mem == 5           ? kBlobMemHost3dGuest
                                         : in().u8();
    const std::uint8_t flags = in().u8();
    wire.blob_flags = flags < 0xc0 ? kBlobFlagMappable : flags < 0xf0 ? (flags & 7) : in().u32();
    const std::uint8_t id_sel = in().u8();
    wire.blob_id = id_sel < 0xf0 ? 1 + id_sel % 16 : in().u64();
    const std::uint8_t size_sel = in().u8();
    wire.size = size_sel < 0xc0   ? (1 + size_sel % 16ull) * kPageSize
                : size_sel < 0xe0 ? std::uint64_t{in().u16()} * kPageSize
                                  : in().u64();
    std::vector<MemEntry> list;
    if (wire.blob_mem != kBlobMemHost3d) list = entries();
    wire.nr_entries = static_cast<std::uint32_t>(list.size());
    auto bytes = bytes_of(wire);
    for (const MemEntry& e : list) append(bytes, e);
    const Before before = before_charge();
    send(c, std::move(bytes), kOpBlob);
    check_charge("RESOURCE_CREATE_BLOB", before, [&](std::uint32_t answer, std::uint64_t was, std::uint64_t now) {
      if (answer != resp::kOkNodata) {
        FUZZ_CHECK(now == was, "refused, yet the charge moved");
      } else if (wire.blob_mem == kBlobMemGuest) {
        FUZZ_CHECK(now == was, "a guest blob (guest memory) was charged renderer memory");
      } else {  // its size, less what the PIPE_RESOURCE_CREATE it claims already paid
        FUZZ_CHECK(now >= was && now - was <= wire.size,
                   "a host blob of " + std::to_string(wire.size) + " bytes moved the charge from " +
                       std::to_string(was) + " to " + std::to_string(now));
      }
    });
  }

  void map_unmap() {
    if (in().u8() & 1) {
      HdrChoice c = hdr(cmd::kResourceMapBlob);
      ResourceMapBlob wire{};
      wire.hdr = c.hdr;
      wire.resource_id = res_id();
      const std::uint8_t sel = in().u8();
      wire.offset = sel < 0xf0 ? std::uint64_t{in().u8()} * kPageSize * 4 % kHostmemSize : in().u64();
      send(c, bytes_of(wire), kOpMap);
    } else {
      HdrChoice c = hdr(cmd::kResourceUnmapBlob);
      ResourceIdCmd wire{c.hdr, res_id(), 0};
      send(c, bytes_of(wire), kOpMap);
    }
  }

  void unref() {
    HdrChoice c = hdr(cmd::kResourceUnref);
    ResourceIdCmd wire{c.hdr, res_id(), 0};
    const Before before = before_charge();
    send(c, bytes_of(wire), kOpUnref);
    check_charge("RESOURCE_UNREF", before, [](std::uint32_t, std::uint64_t was, std::uint64_t now) {
      FUZZ_CHECK(now <= was, "an unref charged more");
    });
  }

  void transfer() {
    const std::uint8_t sel = in().u8();
    HdrChoice c = hdr((sel & 1) ? cmd::kTransferToHost3d : cmd::kTransferFromHost3d);
    c.hdr.ctx_id = (sel & 2) ? 0 : ctx_id();
    Transfer3d wire{};
    wire.hdr = c.hdr;
    wire.resource_id = res_id();
    wire.box = {small(), small(), small(), dim(), dim(), in().u8() < 0xd0 ? 1u : dim()};
    wire.level = small();
    const std::uint8_t stride_sel = in().u8();
    wire.stride = stride_sel < 0x80 ? 0 : stride_sel < 0xf0 ? (stride_sel & 0x7f) * 16u : in().u32();
    const std::uint8_t layer_sel = in().u8();
    wire.layer_stride = layer_sel < 0xc0 ? 0 : layer_sel < 0xf0 ? (layer_sel & 0x3f) * 4096u : in().u32();
    const std::uint8_t off_sel = in().u8();
    wire.offset = off_sel < 0xc0 ? 0 : off_sel < 0xf0 ? std::uint64_t{in().u16()} * 16 : in().u64();
    send(c, bytes_of(wire), kOpTransfer);
  }

  void any_request() {
    gpu_encoding::Request request = gpu_encoding::decode_request(in());
    std::erase_if(request.readable, [](const auto& piece) { return piece.empty(); });
    std::erase(request.writable, 0u);
    publish(request.queue, request.readable, request.writable, request.indirect, kOpAny);
  }

  void misc() {
    switch (in().u8() % 10) {
      case 8: witness_.hold_fences = true; break;   // the GPU slows down: fences stay out
      case 9: witness_.hold_fences = false; break;  // and catches up at the next poll
      case 6: republish_held(); break;
      case 7: vcpu_probe(); break;
      case 0: {
        HdrChoice c = hdr(cmd::kGetCapsetInfo);
        GetCapsetInfo wire{c.hdr, in().u8() % 4u, 0};
        send(c, bytes_of(wire), kOpCapset);
        break;
      }
      case 1: {
        HdrChoice c = hdr(cmd::kGetCapset);
        GetCapset wire{c.hdr, in().u8() % 6u, in().u8() % 3u};
        send(c, bytes_of(wire), kOpCapset, {},
             static_cast<std::uint32_t>(sizeof(CtrlHdr) + capset_size(wire.capset_id)));
        break;
      }
      case 2: mapper_.refuse_next_map = "refused by the fuzzer"; break;
      case 3: {
        const std::uint8_t sel = in().u8();
        set_base(gpu_encoding::kBarBase + (sel % 4) * kHostmemSize);
        break;
      }
      case 4: {
        std::uint8_t bytes[16];
        gpu_->read_config(in().u8() % 20, std::span(bytes, 1 + in().u8() % 16));
        break;
      }
      default: gpu_->notify_queue(static_cast<std::uint16_t>(2 + in().u8())); break;
    }
  }

  // The driver publishing again a head the device still holds (a fenced request not yet
  // answered): a protocol violation the device must drop, counting a bad chain, rather than
  // answer (the driver would get one head back twice). Published from the render thread
  // between two rounds, so the device certainly still holds it when it pops it (a round
  // takes chains before it releases retired fences).
  void republish_held() {
    if (!activated_) return;
    std::optional<std::uint16_t> head;
    const std::uint64_t bad_before = gpu_->stats().bad_chains;
    gpu_->run_on_render_thread([&] {
      drain();
      for (const auto& [h, sent] : ctrl_.pending)
        if (sent.held) {
          head = h;
          break;
        }
      if (head) ctrl_.ring->publish(*head);
    });
    after_answers();
    if (!head) return;
    if (trace_) std::fprintf(stderr, "virgl_renderer_fuzz: head %u published again while held\n", *head);
    gpu_->notify_queue(kControlQueue);
    round();
    collect(/*after_round=*/true);
    FUZZ_CHECK(gpu_->stats().bad_chains == bad_before + 1,
               "head " + std::to_string(*head) +
                   ", published again while its fenced response was held, was not dropped as a bad chain");
  }

  // What a vCPU calls must not wait for a render in progress (virtio_gpu.h: the render
  // thread holds the device's mutex through renderer calls). Armed here, the probe runs
  // inside the next renderer call, and from there has a stand-in vCPU make the calls a vCPU
  // makes: config read, queue notify, BAR move (to where it is), display change, and an
  // activation like the current one. Each must return within kVcpuDeadline.
  void vcpu_probe() {
    if (!activated_) return;
    const std::uint64_t base = base_, features = features_;
    Virtqueue* ctrl = ctrl_.queue.get();
    Virtqueue* cursor = cursor_.queue.get();
    witness_.probe = [this, base, features, ctrl, cursor] {
      std::atomic<const char*> at{""};
      const bool done = vcpu_.run(
          [&] {
            std::uint8_t config[4];
            at = "read_config";
            gpu_->read_config(0, config);
            at = "notify_queue";
            gpu_->notify_queue(kControlQueue);
            at = "set_shared_memory_base";
            gpu_->set_shared_memory_base(kShmIdHostVisible, base);
            at = "notify_display_change";
            gpu_->notify_display_change();
            at = "activate";
            gpu_->activate(features, {ctrl, cursor}, interrupt_);
          },
          kVcpuDeadline);
      FUZZ_CHECK(done, std::string("a vCPU's ") + at.load() +
                           "() waited for the render thread, which was inside the renderer");
    };
    witness_.probe_armed = true;
    gpu_->notify_queue(kControlQueue);
    round();  // its first renderer call (poll(), if nothing else) runs the probe
    round();  // and the next applies the activation it made
    witness_.probe_armed = false;
    collect(/*after_round=*/true);
  }

  // --- SUBMIT_3D and its virgl stream ---------------------------------------------------------

  void submit() {
    HdrChoice c = hdr(cmd::kSubmit3d);
    c.hdr.ctx_id = ctx_id();
    std::vector<std::uint32_t> words;
    std::vector<std::uint32_t> cmds;
    const unsigned count = 1 + in().u8() % 8;
    for (unsigned i = 0; i < count && !in().done(); ++i) virgl_command(words, cmds);
    const std::uint8_t size_mode = in().u8() % 16;
    auto size = static_cast<std::uint32_t>(words.size() * 4);
    if (size_mode == 0) size += 4;
    if (size_mode == 1 && size >= 2) size -= 2;
    CmdSubmit wire{c.hdr, size, 0};
    auto bytes = bytes_of(wire);
    const auto* w = reinterpret_cast<const std::uint8_t*>(words.data());
    bytes.insert(bytes.end(), w, w + words.size() * 4);
    const Before before = before_charge();
    send(c, std::move(bytes), kOpSubmit, std::move(cmds));
    const bool exact = size == words.size() * 4;
    const StreamModel model = model_stream(words);
    check_charge("SUBMIT_3D", before, [&](std::uint32_t answer, std::uint64_t was, std::uint64_t now) {
      const std::uint64_t room = config_.renderer_memory_limit - was;
      if (answer == resp::kOkNodata) {
        FUZZ_CHECK(exact && !model.refused, "a stream the device's scan must refuse was run");
        FUZZ_CHECK(model.bytes <= room, "a stream creating " + std::to_string(model.bytes) + " bytes ran with " +
                                            std::to_string(room) + " bytes left under the limit");
        FUZZ_CHECK(now - was == model.bytes, "the stream was charged " + std::to_string(now - was) +
                                                 " bytes, not " + std::to_string(model.bytes));
      } else if (answer == resp::kErrUnspec && exact && !model.refused) {
        // The renderer refused a command; what ran before it keeps its charge.
        FUZZ_CHECK(now == was || now - was == model.bytes, "a refused stream left a partial charge");
      } else {
        FUZZ_CHECK(now == was, "refused, yet the charge moved");
      }
      if (exact && !model.refused && model.bytes > room && (features_ & (1ull << kFeatureVirgl)))
        FUZZ_CHECK(answer == resp::kErrOutOfMemory || answer == resp::kErrInvalidContextId,
                   "a stream creating " + std::to_string(model.bytes) + " bytes with " +
                       std::to_string(room) + " left under the limit was answered " +
                       std::to_string(answer) + ", not ERR_OUT_OF_MEMORY");
    });
  }

  // Checks how the renderer charge moved for the request just sent, given its answer (OK
  // when the device holds it: only OK answers are held). Skipped when the answer is not
  // known (a response buffer under 4 bytes, queues not running) or the memory guard
  // destroyed contexts meanwhile (that uncharges what they held).
  struct Before {
    RendererStats stats;
    std::uint64_t resets;
  };
  Before before_charge() { return {*gpu_->renderer_stats(), resets_}; }
  template <typename Check>
  void check_charge(const char* what, const Before& before, Check check) {
    std::optional<std::uint32_t> answer = last_answer_;
    if (!answer && last_seq_ != 0 && ctrl_.pending.count(last_head_) &&
        ctrl_.pending.at(last_head_).seq == last_seq_)
      answer = resp::kOkNodata;
    if (!answer || !activated_ || batching_ || resets_ != before.resets) return;
    const RendererStats after = *gpu_->renderer_stats();
    if (after.memory_overruns != before.stats.memory_overruns) return;
    if (trace_)
      std::fprintf(stderr, "virgl_renderer_fuzz:   %s: charge %llu -> %llu\n", what,
                   static_cast<unsigned long long>(before.stats.charged_bytes),
                   static_cast<unsigned long long>(after.charged_bytes));
    check(*answer, before.stats.charged_bytes, after.charged_bytes);
  }

  void virgl_command(std::vector<std::uint32_t>& out, std::vector<std::uint32_t>& cmds) {
    const std::uint8_t sel = in().u8();
    if (sel >= 0xf0) {  // raw words
      const unsigned n = 1 + in().u8() % 16;
      for (unsigned i = 0; i < n; ++i) out.push_back(in().u32());
      cmds.push_back(out[out.size() - n] & 0xff);
      return;
    }
    std::vector<std::uint32_t> body;  // the words after the header
    std::uint32_t command = 0, obj = 0;
    auto box = [&] {
      body.push_back(small());  // x
      body.push_back(small());  // y
      body.push_back(small());  // z
      body.push_back(dim());    // w
      body.push_back(dim());    // h
      body.push_back(in().u8() < 0xd0 ? 1 : dim());  // d
    };
    switch (sel % 24) {
      case 0:  // PIPE_RESOURCE_CREATE, anything
        command = virgl::kPipeResourceCreate;
        body = {in().u8() >= 0xf0 ? in().u32() : in().u8() % 9u, format(), bind(), dim(), dim(),
                in().u8() < 0xd0 ? 1u : dim(), in().u8() < 0xd0 ? 1u : dim(), small(),
                in().u8() < 0xd0 ? 0u : small(),
                in().u8() < 0x80 ? 0u : virgl::kResourceFlagMapPersistent | virgl::kResourceFlagMapCoherent,
                1u + in().u8() % 16};
        break;
      case 1: case 2:  // PIPE_RESOURCE_CREATE: a persistent, coherent buffer with a blob id
        command = virgl::kPipeResourceCreate;
        body = {virgl::kPipeBuffer, virgl::kFormatR8Unorm, virgl::kBindVertexBuffer,
                static_cast<std::uint32_t>((1 + in().u8() % 16) * kPageSize), 1, 1, 1, 0, 0,
                virgl::kResourceFlagMapPersistent | virgl::kResourceFlagMapCoherent,
                1u + in().u8() % 16};
        break;
      case 3:  // RESOURCE_COPY_REGION: dst handle level x y z, src handle level box
        command = virgl::kResourceCopyRegion;
        body = {res_id(), small(), small(), small(), small(), res_id(), small()};
        box();
        break;
      case 4:  // CREATE_OBJECT surface: handle, resource, format, level/first, layers/last
        command = virgl::kCreateObject;
        obj = virgl::kObjSurface;
        body = {handle(), res_id(), format(), small(), small()};
        break;
      case 5:  // CREATE_OBJECT sampler view: handle, resource, format, first/layer, last/level, swizzle
        command = virgl::kCreateObject;
        obj = virgl::kObjSamplerView;
        body = {handle(), res_id(), format(), small(), small(), in().u8() < 0x80 ? 0x688u : in().u32()};
        break;
      case 6: {  // CREATE_OBJECT state objects of their own sizes, fields from the input
        command = virgl::kCreateObject;
        static constexpr std::pair<std::uint32_t, std::uint32_t> kStates[] = {
            {virgl::kObjBlend, 11}, {virgl::kObjDsa, 5},   {virgl::kObjRasterizer, 9},
            {virgl::kObjSamplerState, 9}, {virgl::kObjQuery, 4}, {virgl::kObjStreamoutTarget, 4},
            {virgl::kObjVertexElements, 5}, {virgl::kObjVertexElements, 9}};
        const auto [type, len] = kStates[in().u8() % std::size(kStates)];
        obj = type;
        if (type == virgl::kObjQuery) {  // handle, type/index, offset, result resource
          body = {handle(), small(), small(), res_id()};
        } else if (type == virgl::kObjStreamoutTarget) {  // handle, resource, offset, size
          body = {handle(), res_id(), small(), dim()};
        } else {
          body.push_back(handle());
          for (std::uint32_t i = 1; i < len; ++i) body.push_back(small());
        }
        break;
      }
      case 7: {  // CREATE_OBJECT shader: handle, type, offset/length, num_tokens, so outputs, text
        command = virgl::kCreateObject;
        obj = virgl::kObjShader;
        const std::uint8_t which = in().u8();
        // PIPE_SHADER_VERTEX 0, FRAGMENT 1, GEOMETRY 2: each text's own, or any.
        static constexpr std::uint32_t kTypes[] = {0, 1, 1, 2};
        const char* text = virgl::kShaders[which % std::size(virgl::kShaders)];
        const std::uint32_t type = which >= 0xf0 ? in().u8() : kTypes[which % std::size(kTypes)];
        const auto len = static_cast<std::uint32_t>(std::strlen(text) + 1);
        const std::uint8_t tok = in().u8();
        body = {handle(), type, len, tok < 0xf0 ? 300u : in().u32(), 0};
        std::vector<std::uint32_t> text_words((len + 3) / 4, 0);
        std::memcpy(text_words.data(), text, len);
        body.insert(body.end(), text_words.begin(), text_words.end());
        break;
      }
      case 8: {  // DESTROY_OBJECT / BIND_OBJECT of some type
        command = in().u8() & 1 ? virgl::kDestroyObject : virgl::kBindObject;
        obj = 1 + in().u8() % 10;
        body = {handle()};
        break;
      }
      case 9:  // BIND_SHADER: handle, type
        command = virgl::kBindShader;
        body = {handle(), in().u8() % 6u};
        break;
      case 10: {  // SET_FRAMEBUFFER_STATE: nr_cbufs, zsurf, cbufs
        command = virgl::kSetFramebufferState;
        const unsigned nr = in().u8() % 3;
        body = {nr, in().u8() < 0x80 ? 0u : handle()};
        for (unsigned i = 0; i < nr; ++i) body.push_back(handle());
        break;
      }
      case 11:  // CLEAR: buffers, rgba, depth (double), stencil
        command = virgl::kClear;
        body = {in().u8() % 8u, in().u32(), in().u32(), in().u32(), in().u32(), 0, 0, in().u8()};
        break;
      case 12:  // CLEAR_TEXTURE: handle, level, box, 4 words of data
        command = virgl::kClearTexture;
        body = {res_id(), small()};
        box();
        for (int i = 0; i < 4; ++i) body.push_back(in().u32());
        break;
      case 13: {  // RESOURCE_INLINE_WRITE: handle, level, usage, stride, layer_stride, box, data
        command = virgl::kResourceInlineWrite;
        body = {res_id(), small(), 0, small() * 4, small() * 64};
        box();
        const unsigned n = in().u8() % 32;
        for (unsigned i = 0; i < n; ++i) body.push_back(0x01010101u * in().u8());
        break;
      }
      case 14:  // TRANSFER3D: handle, level, usage, stride, layer_stride, box, offset, direction
        command = virgl::kTransfer3d;
        body = {res_id(), small(), 0, small() * 4, small() * 64};
        box();
        body.push_back(small() * 16);
        body.push_back(1 + in().u8() % 2);
        break;
      case 15:  // COPY_TRANSFER3D: like TRANSFER3D, then src resource, src offset, flags
        command = virgl::kCopyTransfer3d;
        body = {res_id(), small(), 0, small() * 4, small() * 64};
        box();
        body.push_back(res_id());
        body.push_back(small() * 16);
        body.push_back(in().u8() % 4);
        break;
      case 16: {  // BLIT: s0, scissor min/max, dst handle level format box, src handle level format box
        command = virgl::kBlit;
        body = {0xffu | ((in().u8() % 2u) << 8), 0, 0xffffffffu, res_id(), small(), format()};
        box();
        body.push_back(res_id());
        body.push_back(small());
        body.push_back(format());
        box();
        break;
      }
      case 17: {  // sub-contexts
        const std::uint8_t which = in().u8() % 4;
        command = which == 0 ? virgl::kDestroySubCtx : which == 1 ? virgl::kSetSubCtx : virgl::kCreateSubCtx;
        body = {small()};
        break;
      }
      case 18: {  // SET_VIEWPORT_STATE / SET_SCISSOR_STATE
        const unsigned n = 1 + in().u8() % 2;
        if (in().u8() & 1) {
          command = virgl::kSetViewportState;
          body = {small()};
          for (unsigned i = 0; i < 6 * n; ++i) body.push_back(in().u32());
        } else {
          command = virgl::kSetScissorState;
          body = {small()};
          for (unsigned i = 0; i < 2 * n; ++i) body.push_back(in().u32());
        }
        break;
      }
      case 19: {  // queries
        const std::uint8_t which = in().u8() % 3;
        command = which == 0 ? virgl::kBeginQuery : which == 1 ? virgl::kEndQuery : virgl::kGetQueryResult;
        body = {handle()};
        if (which == 2) body.push_back(in().u8() & 1);
        break;
      }
      case 20: {  // bindings: sampler views, sampler states, vertex buffers, uniform/index buffer
        switch (in().u8() % 5) {
          case 0: command = virgl::kSetSamplerViews; body = {in().u8() % 6u, small(), handle(), handle()}; break;
          case 1: command = virgl::kBindSamplerStates; body = {in().u8() % 6u, small(), handle()}; break;
          case 2: command = virgl::kSetVertexBuffers; body = {small(), small(), res_id()}; break;
          case 3:
            command = virgl::kSetUniformBuffer;
            body = {in().u8() % 6u, small(), small(), dim(), res_id()};
            break;
          default: command = virgl::kSetIndexBuffer; body = {res_id(), 1u << (in().u8() % 3), small()}; break;
        }
        break;
      }
      case 21: {  // shader buffers / images, barriers, framebuffer without attachments
        switch (in().u8() % 5) {
          case 0:
            command = virgl::kSetShaderBuffers;
            body = {in().u8() % 6u, small(), small(), dim(), res_id()};
            break;
          case 1:
            command = virgl::kSetShaderImages;
            body = {in().u8() % 6u, small(), format(), 0, 0, small(), res_id()};
            break;
          case 2: command = virgl::kMemoryBarrier; body = {in().u32()}; break;
          case 3: command = virgl::kTextureBarrier; body = {in().u32()}; break;
          default: {
            command = virgl::kSetFramebufferStateNoAttach;
            const std::uint32_t width = dim();
            const std::uint32_t height = dim();
            body = {(width & 0xffff) | (height << 16), small()};
            break;
          }
        }
        break;
      }
      case 22:  // GET_MEMORY_INFO: a resource it writes into / SET_TWEAKS / END_TRANSFERS
        switch (in().u8() % 3) {
          case 0: command = virgl::kGetMemoryInfo; body = {res_id()}; break;
          case 1: command = virgl::kSetTweaks; body = {small(), small()}; break;
          default: command = virgl::kEndTransfers; break;
        }
        break;
      default: {  // NOP carrying words
        command = virgl::kNop;
        const unsigned n = in().u8() % 8;
        for (unsigned i = 0; i < n; ++i) body.push_back(in().u32());
        break;
      }
    }
    auto len = static_cast<std::uint32_t>(body.size());
    if (sel >= 0xe0) len = in().u8() % 32;  // a header that lies about its length
    out.push_back(virgl::cmd0(command, obj, len));
    out.insert(out.end(), body.begin(), body.end());
    cmds.push_back(command);
  }

  // --- state checks -------------------------------------------------------------------------

  void check_state() {
    FUZZ_CHECK(gpu_->resource_count() <= limits::kMaxResources, "resource_count() over the limit");
    const auto stats = gpu_->renderer_stats();
    FUZZ_CHECK(stats->live_contexts <= limits::kMaxRendererContexts,
               "RendererStats::live_contexts " + std::to_string(stats->live_contexts) + " over " +
                   std::to_string(limits::kMaxRendererContexts));
    FUZZ_CHECK(stats->charge_limit == config_.renderer_memory_limit,
               "RendererStats::charge_limit " + std::to_string(stats->charge_limit) +
                   " is not the configured renderer_memory_limit");
    FUZZ_CHECK(stats->charged_bytes <= stats->charge_limit,
               "renderer charged bytes " + std::to_string(stats->charged_bytes) + " over the limit " +
                   std::to_string(stats->charge_limit));

    // The mapper's slots against what the renderer has mapped.
    std::size_t contexts = 0;
    std::map<std::uint32_t, RendererMapping> mapped;
    gpu_->run_on_render_thread([&] {
      contexts = witness_.contexts.size();
      mapped = witness_.mapped;
    });
    FUZZ_CHECK(stats->live_contexts == contexts,
               "RendererStats::live_contexts is " + std::to_string(stats->live_contexts) +
                   ", but the renderer holds " + std::to_string(contexts) + " contexts");
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
    for (const auto& [slot, request] : mapper_.live) {
      FUZZ_CHECK(request.size > 0 && request.size % kPageSize == 0 && request.guest_addr % kPageSize == 0,
                 "slot is empty or not page-aligned");
      FUZZ_CHECK(request.guest_addr >= base_ && request.guest_addr - base_ <= kHostmemSize &&
                     request.size <= kHostmemSize - (request.guest_addr - base_),
                 "slot " + std::to_string(slot) + " lies outside the host-visible region");
      std::uint32_t id = 0;
      FUZZ_CHECK(std::sscanf(request.owner.c_str(), "gpu-blob %u", &id) == 1,
                 "a slot that is not a blob's: " + request.owner);
      auto it = mapped.find(id);
      FUZZ_CHECK(it != mapped.end(), "slot " + std::to_string(slot) + " maps gpu-blob " +
                                         std::to_string(id) + ", which the renderer has not mapped");
      FUZZ_CHECK(request.host_addr == it->second.data && request.size <= it->second.size,
                 "gpu-blob " + std::to_string(id) + "'s slot is not within the renderer's mapping");
      ranges.emplace_back(request.guest_addr, request.guest_addr + request.size);
    }
    FUZZ_CHECK(mapper_.live.size() == mapped.size(),
               std::to_string(mapped.size()) + " renderer mappings, but " +
                   std::to_string(mapper_.live.size()) + " slots");
    std::sort(ranges.begin(), ranges.end());
    for (std::size_t i = 1; i < ranges.size(); ++i)
      FUZZ_CHECK(ranges[i - 1].second <= ranges[i].first, "two live slots overlap");

    const std::uint64_t rss = rss_anon_bytes();
    const std::uint64_t bound = rss_baseline_ + config_.renderer_memory_limit + kRssSlack;
    FUZZ_CHECK(rss <= bound, "resident anonymous memory " + std::to_string(rss >> 20) +
                                 " MiB is over the bound of " + std::to_string(bound >> 20) +
                                 " MiB (baseline " + std::to_string(rss_baseline_ >> 20) +
                                 " MiB + renderer_memory_limit + slack)");
  }

  ByteReader* in_ = nullptr;
  bool trace_ = false;
  GuestMemory memory_ = gpu_encoding::guest_memory();
  FakeMemoryMapper mapper_;
  CountingInterrupt interrupt_;
  VirtioGpuConfig config_;
  WitnessState witness_;
  std::vector<CapsetInfo> capsets_;
  std::uint64_t base_ = 0;
  std::uint64_t rss_baseline_ = 0;
  std::uint64_t next_fence_ = 1;
  std::chrono::steady_clock::duration wait_left_{};
  std::uint64_t features_ = 0;     // of the last activation
  std::uint64_t seq_ = 0;          // chains published
  std::uint64_t last_seq_ = 0;     // the last one
  std::uint16_t last_head_ = 0;
  std::uint64_t resets_ = 0;
  std::uint64_t round_start_seq_ = 0;     // the chains of the round: seq above this
  std::uint64_t round_start_fences_ = 0;  // global fences made before it
  bool batching_ = false;
  std::optional<std::uint32_t> last_answer_;  // its answer's type, once in
  std::vector<std::pair<std::uint32_t, std::uint64_t>> destroyed_;  // CTX_DESTROY OK: ctx, seq
  std::vector<std::uint32_t> detached_;                             // DETACH_BACKING OK
  VcpuThread vcpu_;
  bool activated_ = false;
  DriverQueue ctrl_, cursor_;
  std::unique_ptr<VirtioGpu> gpu_;  // last: destroyed first
};

// Made once per process (virglrenderer is one per process). Torn down by an atexit handler
// registered after it was made, so it runs before the static objects made earlier are
// destroyed (spdlog's registry, Mesa's own handlers): the render thread, still polling,
// would otherwise read them after they are gone.
Harness* g_harness = nullptr;

// A small input of the kind the fuzzer runs, so the baseline includes what the first
// context, stream and blob make the GL stack load and keep (shader compiler, JIT).
const std::uint8_t kWarmUp[] = {
    0x00,                                      // features: VIRGL | BLOB | CONTEXT_INIT
    0x00, 0x00, 0x00, 0x00, 0x01, 0x04,        // CTX_CREATE ctx 1, VIRGL2, nlen 4
    0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,  // SUBMIT_3D ctx 1: a 4 KiB mappable buffer,
    0x02,                                      //   blob id 1; size exact
    0x08, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,  // CREATE_BLOB ctx 1, resource 1, HOST3D,
    0x00, 0x00,                                //   MAPPABLE, blob id 1, 4 KiB
    0x09, 0x01, 0x00, 0x00, 0x00, 0x00,        // MAP_BLOB resource 1 at offset 0
};

}  // namespace
}  // namespace vmm::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  vmm::fuzz::quiet_logs();
  auto* harness = new vmm::fuzz::Harness;
  std::string why;
  if (!harness->init(&why)) {
    std::fprintf(stderr, "virgl_renderer_fuzz: skipping every input: %s\n", why.c_str());
    delete harness;
    return 0;
  }
  vmm::fuzz::g_harness = harness;
  std::atexit([] { delete std::exchange(vmm::fuzz::g_harness, nullptr); });
  vmm::fuzz::ByteReader warm(vmm::fuzz::kWarmUp, sizeof vmm::fuzz::kWarmUp);
  harness->set_rss_baseline();
  harness->run(warm);
  harness->set_rss_baseline();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (vmm::fuzz::g_harness == nullptr) return 0;
  vmm::fuzz::ByteReader in(data, size);
  vmm::fuzz::g_harness->run(in);
  return 0;
}
