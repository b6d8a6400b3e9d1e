// Writes the seed corpus of every fuzz target: small inputs, in each target's own input
// format, that reach the interesting states (a driver's whole initialisation, a 2D frame,
// a mapped blob, a loaded kernel) so the fuzzers start from there rather than from
// nothing. The output is committed under tests/fuzz/corpus/; run this again only when a
// format changes:
//
//   build-fuzz/tests/fuzz/fuzz_seeds tests/fuzz/corpus configs
//
// Each target's format is described at the top of its <name>_fuzz.cc; the comments below
// name the fields as those descriptions do.
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "devices/gpu/virtio_gpu_protocol.h"
#include "tests/fuzz/gpu_fuzz_encoding.h"
#include "tests/unit/boot/test_bzimage.h"

namespace vmm::fuzz {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

fs::path g_out;

void write_seed(const std::string& target, const std::string& name, const Bytes& bytes) {
  const fs::path dir = g_out / target;
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// Appends bytes and little-endian numbers.
struct Out {
  Bytes b;
  Out& u8(std::initializer_list<int> values) {
    for (int v : values) b.push_back(static_cast<std::uint8_t>(v));
    return *this;
  }
  Out& le(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return *this;
  }
  Out& bytes(const Bytes& more) {
    b.insert(b.end(), more.begin(), more.end());
    return *this;
  }
};

// --- virtqueue -------------------------------------------------------------------------------

// Op 4 writing descriptor `index` of the table: addr in range A, a small length.
void vq_desc(Out& o, std::uint16_t addr, std::uint8_t len, std::uint8_t flags, std::uint8_t next,
             std::uint8_t index) {
  o.u8({4, 0}).le(addr, 2);           // pick_addr: range A + u16
  o.u8({0, len});                     // small_u32: one byte
  o.u8({1});                          // not table-sized
  o.u8({flags, 1, next, 1, index});   // flags; next below size; into the table at index
}
// Op 4 writing an indirect table entry at `at` (pick_addr & ~15).
void vq_table_entry(Out& o, std::uint16_t at, std::uint16_t addr, std::uint8_t len,
                    std::uint8_t flags, std::uint8_t next) {
  o.u8({4, 0}).le(addr, 2).u8({0, len, 1, flags, 1, next, 0, 0}).le(at, 2);
}
void vq_publish(Out& o, std::uint8_t head) { o.u8({5, 1, head}); }
void vq_pop_and_answer(Out& o) {
  o.u8({0});                // pop
  o.u8({1, 1, 0, 8});       // push_used(last head, 8)
  o.u8({2});                // should_notify
  o.u8({7, 0, 0}).le(64, 2).u8({1});  // read 64 bytes from offset 0
  o.u8({7, 0, 0}).le(64, 2).u8({0});  // write 64 bytes
}

void virtqueue_seeds() {
  {  // size 16, a readable+writable chain, answered
    Out o;
    o.u8({4});
    vq_desc(o, 0x3000, 16, 1, 1, 0);
    vq_desc(o, 0x3100, 32, 2, 0, 1);
    vq_publish(o, 0);
    vq_pop_and_answer(o);
    o.u8({0});  // Empty
    write_seed("virtqueue", "direct-chain", o.b);
  }
  {  // EVENT_IDX, an indirect table of three entries
    Out o;
    o.u8({0x84});
    vq_table_entry(o, 0x3800, 0x3000, 24, 1, 1);
    vq_table_entry(o, 0x3810, 0x3100, 8, 1, 2);
    vq_table_entry(o, 0x3820, 0x3200, 64, 2, 0);
    o.u8({4, 0}).le(0x3800, 2).u8({0, 48, 1, 4, 1, 0, 1, 3});  // desc 3 -> the table
    vq_publish(o, 3);
    o.u8({6, 0, 0, 2});  // used_event = 0
    vq_pop_and_answer(o);
    o.u8({0, 2});        // Empty: avail_event, then should_notify
    write_seed("virtqueue", "indirect-event-idx", o.b);
  }
  {  // a loop, then an out-of-range head, then the avail index running far ahead
    Out o;
    o.u8({3});
    vq_desc(o, 0x3000, 8, 1, 1, 0);
    vq_desc(o, 0x3008, 8, 1, 0, 1);
    vq_publish(o, 0);
    o.u8({0, 1, 1, 0, 0});
    o.u8({5, 0}).le(40, 2).u8({0});
    o.u8({6}).le(0x100, 2).u8({0, 0});
    write_seed("virtqueue", "loop-bad-head-broken", o.b);
  }
}

// --- virtio_gpu ------------------------------------------------------------------------------

using gpu_encoding::RequestEncoder;
using namespace gpu;

CtrlHdr hdr(std::uint32_t type, std::uint32_t ctx = 0, std::uint32_t flags = 0, std::uint64_t fence = 0) {
  return CtrlHdr{.type = type, .flags = flags, .fence_id = fence, .ctx_id = ctx, .ring_idx = 0, .padding = {}};
}

class GpuSeed {
 public:
  // shape: bit 0 1 MiB region, bit 1 fixed mapping, bits 2-3 blob_cache, 4-5 memslot_cache.
  explicit GpuSeed(std::uint8_t shape) { o_.u8({shape, 0}); }  // features: VIRGL | BLOB
  template <typename Wire>
  GpuSeed& cmd(const Wire& wire, const std::vector<RequestEncoder::Entry>& entries = {}) {
    o_.u8({0});
    RequestEncoder(o_.b).command(wire, entries);
    return *this;
  }
  GpuSeed& display_info(std::uint32_t flags = 0, std::uint64_t fence = 0) {
    return cmd(hdr(cmd::kGetDisplayInfo, 0, flags, fence));
  }
  GpuSeed& move_bar(std::uint8_t sel) { o_.u8({8, sel}); return *this; }
  GpuSeed& reset() { o_.u8({19, 1, 0}); return *this; }  // op % 10 == 9 with bit 4
  Bytes bytes() const { return o_.b; }

 private:
  Out o_;
};

void virtio_gpu_seeds() {
  const Rect full{0, 0, 64, 64};
  {
    GpuSeed s(1);
    s.display_info()
        .cmd(ResourceCreate2d{hdr(cmd::kResourceCreate2d), 1, format::kB8G8R8X8, 64, 64})
        .cmd(ResourceAttachBacking{hdr(cmd::kResourceAttachBacking), 1, 1},
             {{gpu_encoding::kBackingBase, 64 * 64 * 4}})
        .cmd(TransferToHost2d{hdr(cmd::kTransferToHost2d), full, 0, 1, 0})
        .cmd(SetScanout{hdr(cmd::kSetScanout), full, 0, 1})
        .cmd(ResourceFlush{hdr(cmd::kResourceFlush), full, 1, 0})
        .cmd(UpdateCursor{hdr(cmd::kUpdateCursor), {0, 10, 10, 0}, 1, 0, 0, 0})
        .cmd(UpdateCursor{hdr(cmd::kMoveCursor), {0, 20, 20, 0}, 1, 0, 0, 0})
        .cmd(ResourceIdCmd{hdr(cmd::kResourceDetachBacking), 1, 0})
        .cmd(ResourceIdCmd{hdr(cmd::kResourceUnref), 1, 0});
    write_seed("virtio_gpu", "2d-frame", s.bytes());
  }
  for (std::uint8_t shape : {std::uint8_t{1}, std::uint8_t{3}}) {  // per-blob, fixed
    GpuSeed s(shape);
    CtxCreate ctx{};
    ctx.hdr = hdr(cmd::kCtxCreate, 1);
    ctx.nlen = 4;
    std::memcpy(ctx.debug_name, "seed", 4);
    s.cmd(ctx)
        .cmd(ResourceCreateBlob{hdr(cmd::kResourceCreateBlob, 1), 2, kBlobMemHost3d,
                                kBlobFlagMappable, 0, 0, 0x10000})
        .cmd(ResourceCreateBlob{hdr(cmd::kResourceCreateBlob, 1), 3, kBlobMemHost3d,
                                kBlobFlagMappable, 0, 0, 0x20000})
        .cmd(ResourceMapBlob{hdr(cmd::kResourceMapBlob), 2, 0, 0})
        .cmd(ResourceMapBlob{hdr(cmd::kResourceMapBlob), 3, 0, 0x40000})
        .move_bar(2)
        .cmd(ResourceMapBlob{hdr(cmd::kResourceMapBlob), 3, 0, 0x8000})  // overlaps: refused
        .cmd(ResourceIdCmd{hdr(cmd::kResourceUnmapBlob), 2, 0})
        .cmd(ResourceIdCmd{hdr(cmd::kCtxDetachResource, 1), 3, 0})
        .cmd(ResourceIdCmd{hdr(cmd::kCtxAttachResource, 1), 3, 0})
        .cmd(ResourceCreateBlob{hdr(cmd::kResourceCreateBlob, 1), 4, kBlobMemGuest, 0, 1, 0, 0x4000},
             {{gpu_encoding::kBackingBase + 0x10000, 0x4000}})
        .cmd(CmdSubmit{hdr(cmd::kSubmit3d, 1), 0, 0})
        .cmd(hdr(cmd::kCtxDestroy, 1))
        .reset()
        .display_info();
    write_seed("virtio_gpu", shape == 1 ? "blobs-per-blob" : "blobs-fixed", s.bytes());
  }
  {  // fences, a cached blob cache mode, errors
    GpuSeed s(1 | (1 << 2));
    s.display_info(kFlagFence, 7)
        .display_info(kFlagFence | kFlagInfoRingIdx, 8)
        .cmd(ResourceCreate2d{hdr(cmd::kResourceCreate2d, 0, kFlagFence, 9), 0, 99, 0, 0})
        .cmd(ResourceIdCmd{hdr(cmd::kResourceUnref), 77, 0})
        .cmd(ResourceMapBlob{hdr(cmd::kResourceMapBlob), 5, 0, 0x1000});
    write_seed("virtio_gpu", "fences-and-errors", s.bytes());
  }
}

// --- virgl_renderer --------------------------------------------------------------------------

// Operations in virgl_renderer_fuzz's format (see the top of virgl_renderer_fuzz.cc): each
// value in the selector form that decodes to exactly it.
class VirglSeed {
 public:
  VirglSeed() { o_.u8({0}); }  // features: VIRGL | RESOURCE_BLOB | CONTEXT_INIT
  Bytes bytes() const { return o_.b; }

  // `fence` arguments: kPlain, kGlobal (FLAG_FENCE), or a ring index (FLAG_FENCE |
  // FLAG_INFO_RING_IDX, that ring); the fence id goes raw.
  static constexpr int kPlain = -1, kGlobal = -2;
  VirglSeed& ctx_create(std::uint32_t ctx, std::uint32_t count = 1, bool virgl2 = true) {
    o_.u8({0});
    hdr();
    ctx_id(ctx);
    if (count == 1) o_.u8({0}); else o_.u8({0xe0, static_cast<int>(count - 1)});
    o_.u8({virgl2 ? 1 : 0, 4});  // context_init, nlen
    return *this;
  }
  VirglSeed& ctx_destroy(std::uint32_t ctx) { o_.u8({1}); hdr(); ctx_id(ctx); return *this; }
  VirglSeed& ctx_attach(std::uint32_t ctx, std::uint32_t res, bool attach = true) {
    o_.u8({2, attach ? 1 : 0});
    hdr();
    ctx_id(ctx);
    res_id(res);
    return *this;
  }
  // A SUBMIT_3D of the commands added by the stream helpers below since begin_stream().
  VirglSeed& submit(std::uint32_t ctx, int fence = kPlain, std::uint64_t fence_id = 0) {
    o_.u8({3});
    hdr(fence, fence_id);
    ctx_id(ctx);
    o_.u8({static_cast<int>(stream_count_ - 1)});
    o_.bytes(stream_.b);
    o_.u8({2});  // size exact
    stream_ = {};
    stream_count_ = 0;
    return *this;
  }
  VirglSeed& create_3d(std::uint32_t res, std::uint32_t format, std::uint32_t width,
                       std::uint32_t height, std::uint32_t last_level = 0, int fence = kPlain) {
    o_.u8({6});
    hdr(fence, 7);
    res_id(res);
    o_.u8({0, 2});  // target: PIPE_TEXTURE_2D
    raw_pick(format);
    o_.u8({0});  // bind: render target | sampler view
    dim(width);
    dim(height);
    o_.u8({0, 0});  // depth 1, array_size 1
    small(last_level);
    o_.u8({0, 0});  // nr_samples 0, flags 0
    return *this;
  }
  VirglSeed& attach_backing(std::uint32_t res, std::uint8_t first_page, std::uint8_t pages) {
    o_.u8({7, 1});
    hdr();
    res_id(res);
    o_.u8({1, 1, first_page, static_cast<int>(pages - 1)});  // one entry
    return *this;
  }
  VirglSeed& detach_backing(std::uint32_t res) { o_.u8({7, 0}); hdr(); res_id(res); return *this; }
  VirglSeed& host_blob(std::uint32_t res, std::uint32_t ctx, std::uint8_t blob_id, std::uint8_t pages) {
    blob_head(res, ctx);
    o_.u8({0, 0, static_cast<int>(blob_id - 1), static_cast<int>(pages - 1)});  // HOST3D MAPPABLE
    return *this;
  }
  VirglSeed& guest_blob(std::uint32_t res, std::uint32_t ctx, std::uint8_t first_page, std::uint8_t pages) {
    blob_head(res, ctx);
    o_.u8({3, 0, 0, static_cast<int>(pages - 1)});  // GUEST, MAPPABLE, blob id 1
    o_.u8({1, 1, first_page, static_cast<int>(pages - 1)});  // one entry
    return *this;
  }
  VirglSeed& map(std::uint32_t res, std::uint8_t offset_16k) {
    o_.u8({9, 1});
    hdr();
    res_id(res);
    o_.u8({0, offset_16k});
    return *this;
  }
  VirglSeed& unmap(std::uint32_t res) { o_.u8({9, 0}); hdr(); res_id(res); return *this; }
  VirglSeed& unref(std::uint32_t res) { o_.u8({10}); hdr(); res_id(res); return *this; }
  // TRANSFER_{TO,FROM}_HOST_3D of a w x h box at the origin, level 0, stride w * 4.
  VirglSeed& transfer(bool to_host, std::uint32_t ctx, std::uint32_t res, std::uint32_t w,
                      std::uint32_t h, int fence = kPlain) {
    o_.u8({0x0b, to_host ? 1 : 0});
    hdr(fence, 9);
    ctx_id(ctx);
    res_id(res);
    o_.u8({0, 0, 0});  // x y z
    dim(w);
    dim(h);
    o_.u8({0, 0});                         // d 1, level 0
    o_.u8({0x80 | static_cast<int>(w / 4)});  // stride (w / 4) * 16
    o_.u8({0, 0});                         // layer_stride 0, offset 0
    return *this;
  }
  VirglSeed& wait() { o_.u8({12, 0}); return *this; }
  // The next `count` (2-4) operations go in one batch: published, then one notify.
  VirglSeed& batch(int count) { o_.u8({12, 0xc0 + count - 2}); return *this; }
  VirglSeed& reset(bool reactivate = true) {
    o_.u8({13, reactivate ? 1 : 0});
    if (reactivate) o_.u8({0});
    return *this;
  }
  template <typename Wire>
  VirglSeed& any(const Wire& wire) {
    o_.u8({14});
    gpu_encoding::RequestEncoder(o_.b).command(wire);
    return *this;
  }
  VirglSeed& republish_held() { o_.u8({15, 6}); return *this; }
  VirglSeed& slow_gpu(bool slow) { o_.u8({15, slow ? 8 : 9}); return *this; }
  VirglSeed& vcpu_probe() { o_.u8({15, 7}); return *this; }
  VirglSeed& capsets() {
    o_.u8({15, 0, 0, 1});     // GET_CAPSET_INFO index 1
    o_.u8({15, 1, 0, 2, 2});  // GET_CAPSET VIRGL2 version 2
    return *this;
  }

  // Stream commands (virgl_command's selectors).
  VirglSeed& s_buffer(std::uint8_t pages, std::uint8_t blob_id) {  // mappable buffer, blob id
    begin({1, static_cast<int>(pages - 1), static_cast<int>(blob_id - 1)});
    return *this;
  }
  VirglSeed& s_copy(std::uint32_t dst, std::uint32_t src, std::uint32_t width) {  // buffer copy
    begin({3});
    s_res(dst);
    stream({0, 0, 0, 0});  // level x y z
    s_res(src);
    stream({0, 0, 0, 0});  // level x y z
    s_dim(width);
    s_dim(1);
    stream({0});  // d 1
    return *this;
  }
  // CREATE_OBJECT surface
  VirglSeed& s_surface(std::uint8_t handle, std::uint32_t res, std::uint32_t format = 67) {
    begin({4, handle - 1});
    s_res(res);
    stream({0xf0});  // the resource's format (any format: raw), level 0, layers 0
    stream_.le(format, 4);
    stream({0, 0});
    return *this;
  }
  VirglSeed& s_framebuffer(std::uint8_t cbuf) {  // one colour buffer, no depth
    begin({10, 1, 0, cbuf - 1});
    return *this;
  }
  VirglSeed& s_clear() {  // colour 0
    begin({11, 4});
    Out rgba;
    for (int i = 0; i < 4; ++i) rgba.le(0x3f800000, 4);
    stream_.bytes(rgba.b);
    stream({0});
    return *this;
  }
  VirglSeed& s_shader(std::uint8_t handle) {  // the fragment shader
    begin({7, 1, handle - 1, 0});
    return *this;
  }
  VirglSeed& s_sub_ctx(std::uint8_t which, std::uint8_t id) {  // 0 destroy, 1 set, 2 create
    begin({17, which, id});
    return *this;
  }
  VirglSeed& s_raw(const std::vector<std::uint32_t>& words) {  // up to 16 words as they are
    begin({0xf0, static_cast<int>(words.size() - 1)});
    for (std::uint32_t w : words) stream_.le(w, 4);
    return *this;
  }

 private:
  void hdr(int fence = kPlain, std::uint64_t fence_id = 0) {
    if (fence == kPlain) {
      o_.u8({0});
    } else if (fence == kGlobal) {
      o_.u8({0x01 | 0x0c}).le(fence_id, 4);
    } else {
      o_.u8({0x03 | 0x0c | (fence << 4)}).le(fence_id, 4);
    }
  }
  // RESOURCE_CREATE_BLOB (selector 8) up to its blob fields: what a host and a guest blob
  // share.
  void blob_head(std::uint32_t res, std::uint32_t ctx) {
    o_.u8({8});
    hdr();
    o_.u8({1});
    ctx_id(ctx);
    res_id(res);
  }
  void ctx_id(std::uint32_t v) {
    if (v >= 1 && v <= 8) o_.u8({static_cast<int>(v - 1)});
    else if (v >= 1 && v <= 256) o_.u8({0xb0, static_cast<int>(v - 1)});
    else o_.u8({0xf8}).le(v, 4);
  }
  // A resource id and a dimension are picked the same way in the command fields (o_) and
  // in the command stream (stream_): resources 1..16 and dimensions 1..64 in short form.
  static void res_into(Out& out, std::uint32_t v) {
    if (v >= 1 && v <= 16) out.u8({static_cast<int>(v - 1)});
    else out.u8({0xf0}).le(v, 4);
  }
  static void dim_into(Out& out, std::uint32_t v) {
    if (v >= 1 && v <= 64) out.u8({0, static_cast<int>(v - 1)});
    else out.u8({7}).le(v, 4);
  }
  void res_id(std::uint32_t v) { res_into(o_, v); }
  void dim(std::uint32_t v) { dim_into(o_, v); }
  void small(std::uint32_t v) {
    if (v < 8) o_.u8({static_cast<int>(v)});
    else o_.u8({0xf0}).le(v, 4);
  }
  void raw_pick(std::uint32_t v) { o_.u8({0xf0}).le(v, 4); }
  // The first bytes of a stream command (its selector) or more of its fields.
  void begin(std::initializer_list<int> bytes) {
    ++stream_count_;
    stream_.u8(bytes);
  }
  void stream(std::initializer_list<int> bytes) { stream_.u8(bytes); }
  void s_res(std::uint32_t v) { res_into(stream_, v); }
  void s_dim(std::uint32_t v) { dim_into(stream_, v); }

  Out o_;
  Out stream_;
  unsigned stream_count_ = 0;
};

void virgl_renderer_seeds() {
  {  // two GL buffers made blobs, mapped, a GPU copy between them behind a fence
    VirglSeed s;
    s.ctx_create(1).capsets();
    s.s_buffer(1, 1).s_buffer(1, 2).submit(1);
    s.host_blob(1, 1, 1, 1).host_blob(2, 1, 2, 1).map(1, 0).map(2, 1);
    s.s_copy(2, 1, 4096).submit(1, VirglSeed::kGlobal, 5);
    s.wait().unmap(1).unref(2).ctx_destroy(1);
    write_seed("virgl_renderer", "blobs-mapped-copy", s.bytes());
  }
  {  // a 3D texture with backing: transfers both ways, a surface cleared, backing detached
    VirglSeed s;
    s.ctx_create(1).create_3d(3, 67, 64, 64).attach_backing(3, 0, 16).ctx_attach(1, 3);
    s.transfer(true, 1, 3, 64, 64).transfer(false, 1, 3, 64, 64, 0);
    s.s_surface(1, 3).s_framebuffer(1).s_clear().s_shader(2).submit(1);
    s.wait().detach_backing(3).transfer(true, 1, 3, 64, 64).ctx_attach(1, 3, false).unref(3);
    write_seed("virgl_renderer", "texture-transfers-clear", s.bytes());
  }
  {  // contexts: 12 at once, ids far beyond 64, sub-contexts, a reset, the same ids again.
     // (Each context costs ~90 ms under ASan, so the 64-context limit is left to the
     // fuzzer's bulk creates rather than paid by every run over the seeds.)
    VirglSeed s;
    s.ctx_create(1, 12).ctx_destroy(5).ctx_create(200).ctx_create(0x80000000u, 1, false);
    s.s_sub_ctx(2, 3).s_sub_ctx(1, 3).s_sub_ctx(0, 3).submit(2);
    s.reset().ctx_create(1, 3, false).ctx_create(200).reset(false);
    write_seed("virgl_renderer", "contexts-reset", s.bytes());
  }
  {  // fences: two on one timeline retired in one round, the later one with the lower id,
     // so the first stays held (the device keeps each timeline's highest retired id); its
     // head published again, and released by a higher id; with a slow GPU, fences on a
     // context's timeline held and their context destroyed (which must answer them), a new
     // context of that id with a timeline of its own; the vCPU probe
    VirglSeed s;
    s.ctx_create(1).ctx_create(2).create_3d(9, 67, 256, 256).ctx_attach(1, 9);
    s.s_surface(1, 9).s_framebuffer(1).s_clear().submit(1);
    s.batch(2).s_clear().submit(1, VirglSeed::kGlobal, 10).s_clear().submit(1, VirglSeed::kGlobal, 5);
    s.republish_held().s_clear().submit(1, VirglSeed::kGlobal, 11);
    s.slow_gpu(true).s_clear().submit(1, 0, 1).s_clear().submit(1, 1, 1).republish_held();
    s.s_buffer(1, 4).submit(2, 1, 1).ctx_destroy(1).slow_gpu(false);
    // A context's timeline goes with the context: fence 1 held on context 3, which is
    // destroyed (answering it) and made again; its new fence 1 waits for the (slow) GPU.
    s.ctx_create(3).slow_gpu(true).s_raw({0}).submit(3, 0, 1).ctx_destroy(3).ctx_create(3);
    s.s_raw({0}).submit(3, 0, 1).slow_gpu(false);
    s.create_3d(4, 2, 32, 32, 0, VirglSeed::kGlobal).vcpu_probe().wait();
    write_seed("virgl_renderer", "fences-republish-destroy", s.bytes());
  }
  {  // a global fence still running at a reset (a slow GPU) retires after it: it must not
     // answer the new device's request that reuses its id
    VirglSeed s;
    s.ctx_create(1).slow_gpu(true).s_raw({0}).submit(1, VirglSeed::kGlobal, 5).reset();
    s.ctx_create(1).slow_gpu(true).s_raw({0}).submit(1, VirglSeed::kGlobal, 5).wait();
    write_seed("virgl_renderer", "fence-across-reset", s.bytes());
  }
  {  // guest blob detached, hostile sizes in both 3D creates, a lying stream, the probe
    VirglSeed s;
    s.ctx_create(1).guest_blob(6, 1, 8, 4).detach_backing(6).transfer(true, 1, 6, 16, 16);
    s.create_3d(7, 31, 0x40000000, 0x40000000, 3).create_3d(8, 67, 16384, 16384, 1);
    s.s_raw({48 | (11u << 16), 2, 31, 2, 0x10000, 0x10000, 1, 1, 0, 0, 0, 9}).submit(1);
    s.s_raw({17 | (13u << 16), 8, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0xffffffff}).submit(1);
    s.vcpu_probe().any(CtrlHdr{cmd::kGetDisplayInfo, 0, 0, 0, 0, {}}).reset();
    write_seed("virgl_renderer", "hostile-sizes-guest-blob", s.bytes());
  }
}

// --- virtio_pci ------------------------------------------------------------------------------

void virtio_pci_seeds() {
  Out o;
  o.u8({0});                         // transport mode
  o.u8({6, 1, 6, 2});                // status ACKNOWLEDGE, then ACKNOWLEDGE|DRIVER
  o.u8({5, 1, 1, 0, 5, 2, 3, 1});    // driver feature select 0; word 0 = 0x9
  o.u8({5, 1, 1, 1, 5, 2, 3, 0});    // driver feature select 1; word 1 = VERSION_1
  o.u8({6, 3});                      // FEATURES_OK
  o.u8({5, 4, 1, 0});                // queue_select 0
  o.u8({5, 5, 3, 4});                // queue_size 16
  o.u8({5, 8, 2, 0x10, 5, 9, 2, 0x11, 5, 10, 2, 0x12});  // desc/driver/device in RAM
  o.u8({5, 7, 1, 1});                // queue_enable
  o.u8({5, 3, 1, 0, 5, 6, 1, 1});    // config vector 0, queue vector 1
  o.u8({2, 2}).le(0x8000, 4).u8({1});  // MSI-X enable (message control, 2 bytes)
  o.u8({4, 4, 1, 12, 2}).le(0, 4);     // unmask table entry 0 (vector control)
  o.u8({4, 4, 1, 28, 2}).le(0, 4);     // unmask table entry 1
  o.u8({6, 4});                      // DRIVER_OK
  o.u8({8}).le(0x1000, 2).u8({16}).le(0x20000, 8).le(16, 4).le(0, 4);  // descriptor 0 at 0x10000
  o.u8({8}).le(0x1100, 2).u8({6, 0, 0, 1, 0, 0, 0});  // avail ring at 0x11000: idx 1, ring[0] = 0
  o.u8({7, 0, 1});                   // notify queue 0
  o.u8({11});                        // ISR
  o.u8({9, 0, 0xa2, 3});             // BAR 2 moves to the 64-bit window + 3 MiB
  o.u8({9, 1, 0xa0});                // BAR 0: decode off, sizing (all-ones)
  o.u8({9, 1, 0xa4}).le(0xc0000000, 8);  // decode on, back where it was
  o.u8({10, 1, 0, 0}).le(0x14, 2).u8({1, 0});  // PCI_CFG window: read the status byte
  o.u8({6, 0});                      // reset
  write_seed("virtio_pci", "driver-init", o.b);

  Out c;
  c.u8({1});                                             // config-space mode
  c.le(0x1af4, 2).le(0x1050, 2).u8({1}).le(0x038000, 4).le(0x1af4, 2).le(0x1100, 2);
  c.u8({3, 1, 1, 1, 1, 1, 15});                          // BAR 0: 64-bit prefetchable 32 KiB
  c.u8({3, 0, 0, 1, 12});                                // BAR 2: 32-bit 4 KiB
  c.u8({4, 0, 1, 1, 1});                                 // BAR 3 of 2 bytes: refused
  c.u8({2, 10, 0x11, 14, 0x09});                         // two capabilities
  c.u8({1, 0x10, 4, 0}).le(0xffffffff, 4);               // BAR 0 write all-ones
  c.u8({1, 0x04, 2, 0}).le(0x0406, 4);                   // command
  c.u8({1, 0x10, 4, 2, 0});                              // sizing through op 2
  c.u8({1, 0x00, 4, 3, 0}).le(0xfee00000c0000000ull, 8);  // set_bar_address
  write_seed("virtio_pci", "config-space-bars", c.b);
}

// --- msix ------------------------------------------------------------------------------------

void msix_seeds() {
  Out o;
  o.u8({2, 1});                         // 3 vectors, table at BAR 0 + 0x4000, PBA + 0x5000
  o.u8({4, 0, 0});                      // trigger 0 while disabled: nothing
  o.u8({3, 3}).le(0x8000, 4);           // enable
  o.u8({0, 2}).le(0, 2).u8({3}).le(0xfee00000, 4);  // vector 0 address
  o.u8({0, 2}).le(8, 2).u8({3}).le(0x41, 4);        // data
  o.u8({4, 0, 0});                      // trigger 0: masked -> pending
  o.u8({2, 2, 0, 0, 0});                // PBA read
  o.u8({0, 2}).le(12, 2).u8({3}).le(0, 4);          // unmask: delivers the pending one
  o.u8({4, 0, 0, 5, 0, 4, 0, 0});       // trigger; sender refuses; trigger
  o.u8({3, 3}).le(0xc000, 4);           // function mask
  o.u8({4, 0, 0, 3, 3}).le(0x8000, 4);  // pending, then unmask the function
  o.u8({1, 2, 0, 0, 7});                // read the first entry back
  write_seed("msix", "enable-mask-pending", o.b);
  Out big;
  big.u8({0xff}).le(2047, 2).u8({1, 3, 3}).le(0x8000, 4).u8({4, 1}).le(2046, 2);
  write_seed("msix", "2048-vectors", big.b);
}

// --- bzimage ---------------------------------------------------------------------------------

void bzimage_seed(const std::string& name, std::uint8_t mode, std::uint16_t initrd_units,
                  const std::string& cmdline, const testing::ImageSpec& spec) {
  Out o;
  o.u8({mode}).le(initrd_units, 2).u8({static_cast<int>(cmdline.size())});
  o.bytes(Bytes(cmdline.begin(), cmdline.end()));
  o.bytes(testing::make_bzimage(spec));
  write_seed("bzimage", name, o.b);
}

void bzimage_seeds() {
  bzimage_seed("parse-only", 0, 0, "", {.kernel_size = 0x400});
  bzimage_seed("load-with-initrd", 1 | 4 | 0x10, 3, "console=ttyS0 panic=1",
               {.kernel_size = 0x400});
  bzimage_seed("relocatable-64m", 1 | 2 | 4, 1000, "root=/dev/vda",
               {.kernel_size = 0x800, .init_size = 0x1000000, .pref_address = 0x1000000,
                .relocatable = 1, .initrd_addr_max = 0x37ffffff});
  bzimage_seed("old-protocol-header", 1, 0, "x",
               {.setup_sects = 0, .version = 0x020c, .kernel_size = 0x210, .cmdline_size = 8});
}

// --- config ----------------------------------------------------------------------------------

void config_seeds(const fs::path& configs) {
  for (const auto& entry : fs::directory_iterator(configs)) {
    if (entry.path().extension() != ".toml") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const std::string words = entry.path().stem() == "tiny-guest" ? "" : "--kernel\nbzImage\n";
    const std::string seed = words + "%%\n" + text.str();
    write_seed("config", entry.path().stem().string(), Bytes(seed.begin(), seed.end()));
  }
  const std::string argv_only =
      "--kernel\nbzImage\n--mem\n512MiB\n--cpus\n2\n--gpu\n--gpu-hostmem\n64M\n"
      "--gpu-blob-cache\ncached\n--gpu-blob-mapping\nfixed\n--memslots\n--log-level\ndebug\n";
  write_seed("config", "argv-gpu", Bytes(argv_only.begin(), argv_only.end()));
  const std::string probe = "--probe-host\n--json\n";
  write_seed("config", "argv-probe-host", Bytes(probe.begin(), probe.end()));
  const std::string both = "--config\n@CONFIG@\n--mem\n1G\n--no-dtb\n%%\nkernel = \"k\"\ngpu = true\n";
  write_seed("config", "argv-and-file", Bytes(both.begin(), both.end()));
}

// --- memslot_table ---------------------------------------------------------------------------

void memslot_table_seeds() {
  Out o;
  o.u8({7});                                              // limit 8
  for (int i = 0; i < 4; ++i) o.u8({0, 3, 16 * i, 3, 3, 1, i & 1});  // four 4-page slots
  o.u8({0, 3, 2, 3, 3, 1, 0});                            // overlaps slot 0: refused
  o.u8({2, 1, 3, 0x80});                                  // move slot 1 away
  o.u8({2, 2, 3, 0});                                     // move onto slot 0: refused
  o.u8({0x80 | 2, 0, 0, 3, 0x90});                        // move slot 0, the backend refuses
  o.u8({3, 0, 1});                                        // unmap slot 0
  o.u8({0x40 | 3, 0, 1, 1});                              // unmap slot 1, the backend refuses
  o.u8({0, 3, 0, 3, 3, 1, 0});                            // the lowest free slot again
  o.u8({3, 9, 0, 3, 1, 3, 3});                            // refused(): recorded only
  write_seed("memslot_table", "map-move-unmap", o.b);
  Out full;
  full.u8({0});  // limit 1
  full.u8({0, 3, 1, 3, 0, 1, 0});   // one page at page 1
  full.u8({0, 3, 8, 3, 0, 1, 0});   // no free slot left
  full.u8({0, 1, 0, 3, 1, 1, 0});   // two pages from the last page: wraps
  full.u8({3, 0, 1});               // unmap
  full.u8({0, 1, 0, 3, 0, 1, 0});   // the last page itself: ends at 2^64, refused too
  write_seed("memslot_table", "limit-and-wrap", full.b);
}

// --- page_walk -------------------------------------------------------------------------------

// The header, ranges and RAM writes of page_walk_fuzz.cc's format.
class WalkSeed {
 public:
  // limits: bit 7 with `max_entries` following; bits 3:0 max_runs (8 and up: 64).
  WalkSeed(std::uint8_t mode, std::uint8_t pages, std::uint8_t root_page, std::uint16_t cr3_low,
           bool no_flush, std::uint8_t limits, std::uint16_t max_entries = 0) {
    o_.u8({mode, pages - 1, root_page}).le(cr3_low, 2).u8({no_flush, limits});
    if (limits & 0x80) o_.le(max_entries, 2);
  }
  // Each range as the gap after the previous one's end, then its length.
  WalkSeed& ranges(std::initializer_list<std::pair<std::uint64_t, std::uint64_t>> gaps_and_sizes) {
    o_.u8({static_cast<int>(gaps_and_sizes.size()) - 1});
    for (const auto& [gap, size] : gaps_and_sizes) amount(gap).amount(size);
    return *this;
  }
  WalkSeed& entry(std::uint8_t page, std::uint16_t index, std::uint64_t value) {
    o_.u8({0, page}).le(index, 2).le(value, 8);
    return *this;
  }
  // step: 0 none, 1 4 KiB, 2 2 MiB, 3 1 GiB.
  WalkSeed& fill(std::uint8_t page, std::uint16_t first, std::uint16_t count, std::uint64_t value,
                 std::uint8_t step) {
    o_.u8({1, page}).le(first, 2).le(count, 2).le(value, 8).u8({step});
    return *this;
  }
  WalkSeed& table(std::uint8_t page, std::uint16_t index, std::uint8_t target, std::uint8_t flags) {
    o_.u8({2, page}).le(index, 2).u8({target, flags});
    return *this;
  }
  WalkSeed& leaf(std::uint8_t page, std::uint16_t index, std::uint32_t frame, std::uint16_t flags) {
    o_.u8({3, page}).le(index, 2).le(frame, 4).le(flags, 2);
    return *this;
  }
  Bytes bytes() const { return o_.b; }

 private:
  // u8 shift, u16 value: the smallest shift that holds `v` exactly.
  WalkSeed& amount(std::uint64_t v) {
    int shift = 0;
    while (v >> shift > 0xffff) ++shift;
    if ((v >> shift) << shift != v) {
      std::fprintf(stderr, "page_walk seed: %#llx is not a 16-bit value shifted\n",
                   static_cast<unsigned long long>(v));
      std::exit(1);
    }
    o_.u8({shift}).le(v >> shift, 2);
    return *this;
  }
  Out o_;
};

void page_walk_seeds() {
  constexpr std::uint8_t kTable = 0x07;  // present, writable, user
  // 4-level: PML4 0 -> PDPT 1 -> PD 2 -> PT 3 with 4 KiB, 2 MiB and 1 GiB leaves, one PTE with
  // another PAT index in a run, CR3 with PCID bits and bit 63.
  write_seed("page_walk", "4-level-mixed",
             WalkSeed(0, 8, 0, 0x123, true, 0x0f)
                 .ranges({{0x100000, 0x100000}, {0x3fe00000, 0x400000}, {0x3fc00000, 0x1000}})
                 .table(0, 0, 1, kTable)
                 .table(0, 256, 1, 0x03)  // the same PDPT in the high half: an alias
                 .table(1, 0, 2, kTable)
                 .table(2, 0, 3, kTable)
                 .fill(3, 0, 512, 0x100000 | kTable, 1)
                 .entry(3, 7, 0x107000 | 0x1f)          // PWT and PCD
                 .leaf(2, 1, 0x40000, 0x83)             // 2 MiB at 0x40000000
                 .leaf(1, 1, 0x80000, 0x1083)           // 1 GiB with the large PAT bit
                 .bytes());
  // 5-level: PML5 0 -> PML4 1 -> PDPT 2 -> PD 3 -> PT 4, and the top of the address space.
  write_seed("page_walk", "5-level",
             WalkSeed(8, 6, 0, 0, false, 0x0f)
                 .ranges({{0x40000000, 0x10000}})
                 .table(0, 1, 1, kTable)
                 .table(0, 511, 1, kTable)
                 .table(1, 2, 2, kTable)
                 .table(2, 3, 3, kTable)
                 .table(3, 4, 4, kTable)
                 .fill(4, 0, 64, 0x40000000 | kTable, 1)
                 .bytes());
  // Two recursive slots, 512 PDPT entries at one PD, a table outside RAM, PS in a PML4E;
  // the range covers the tables themselves.
  write_seed("page_walk", "recursive-aliases-outside",
             WalkSeed(0, 4, 0, 0, false, 0x0f)
                 .ranges({{0, 0x4000}})
                 .table(0, 510, 0, 0x03)
                 .table(0, 511, 0, 0x03)
                 .table(0, 0, 1, kTable)
                 .fill(1, 0, 512, 0x2000 | kTable, 0)
                 .table(2, 0, 3, kTable)
                 .table(0, 1, 200, kTable)
                 .entry(0, 2, 0x1000 | 0x81)
                 .leaf(3, 5, 0x1, kTable)
                 .bytes());
  // A budget of 300 entries and 3 runs over a PT whose first half maps pages 2 MiB apart:
  // both run out, the budget inside the PT.
  write_seed("page_walk", "budget-and-runs",
             WalkSeed(0, 4, 0, 0, false, 0x80 | 3, 300)
                 .ranges({{0, 0x1000000}})
                 .table(0, 0, 1, kTable)
                 .table(1, 0, 2, kTable)
                 .table(2, 0, 3, kTable)
                 .fill(3, 0, 256, 0x1000 | kTable, 2)
                 .fill(3, 256, 256, 0x800000 | kTable, 1)
                 .bytes());
  // PAE paging (EFER.LMA clear) and a root outside RAM: nothing walked.
  write_seed("page_walk", "pae-not-walked",
             WalkSeed(2, 2, 0, 0, false, 0x0f).ranges({{0, 0x1000}}).table(0, 0, 1, kTable).bytes());
  write_seed("page_walk", "root-outside-ram",
             WalkSeed(0, 2, 100, 0, false, 0x0f).ranges({{0, 0x1000}}).table(0, 0, 1, kTable).bytes());
}

// --- control_request ---------------------------------------------------------------------

// One request line each: every command, the shapes of id and args, and each refusal.
void control_request_seeds() {
  const std::pair<const char*, std::string> lines[] = {
      {"status", R"({"cmd":"status"})"},
      {"slots-with-id", R"({"cmd":"slots","id":17,"protocol":1})"},
      {"report-string-id", R"({"cmd":"report","id":"r-1"})"},
      {"screenshot", R"({"cmd":"screenshot","id":2,"args":{"path":"/tmp/shot.png"}})"},
      {"screenshot-relative", R"({"cmd":"screenshot","args":{"path":"shot.png"}})"},
      {"pause", R"({"cmd":"pause","id":null})"},
      {"resume", R"({"cmd":"resume","id":true})"},
      {"stop", R"({"cmd":"stop","id":1.5})"},
      {"events", R"({"cmd":"events","args":{}})"},
      {"unknown-command", R"({"cmd":"reboot","id":9})"},
      {"unknown-key", R"({"cmd":"status","arg":{}})"},
      {"protocol-2", R"({"cmd":"status","protocol":2})"},
      {"id-object", R"({"cmd":"status","id":{"a":[1]}})"},
      {"not-an-object", R"(["status"])"},
      {"bad-json", R"({"cmd":"status")"},
      {"nested", R"({"cmd":"status","args":{"x":[[[[[[[[[[{"y":[]}]]]]]]]]]]}})"},
      {"unicode", R"j({"cmd":"st\u0061tus","id":"café \ud83d\ude00"})j"},
  };
  for (const auto& [name, line] : lines) write_seed("control_request", name, Bytes(line.begin(), line.end()));
}

// --- renderer_call_server --------------------------------------------------------------------

// renderer_call_server_fuzz's format: the staging area's first bytes, then Call payloads
// (renderer_process_protocol.h), each behind its u16 length. RAM range 0 is 64 KiB, 1 is 16 KiB.
class CallSeed {
 public:
  // Ops as renderer_process_protocol.h numbers them.
  enum Op : std::uint32_t {
    kCapset = 1, kCreateContext = 2, kDestroyContext = 3, kAttachResource = 4, kSubmit = 6,
    kCreateResource3d = 7, kCreateBlob = 8, kUnrefResource = 9, kAttachBacking = 10,
    kDetachBacking = 11, kTransferToHost = 12, kTransferFromHost = 13, kMapBlob = 14,
    kUnmapBlob = 15, kMapInfo = 16, kCreateFence = 17, kPoll = 18,
  };
  static constexpr std::uint64_t kStaging = ~0ull;  // kStagingRange

  explicit CallSeed(const Bytes& staging) { o_.le(staging.size(), 2).bytes(staging); }
  CallSeed& call(Op op, std::initializer_list<std::uint64_t> args, std::uint64_t staged = 0,
                 const std::string& text = "") {
    Out p;
    p.le(op, 4).le(args.size(), 4);
    for (std::uint64_t a : args) p.le(a, 8);
    p.le(text.size(), 2).bytes(Bytes(text.begin(), text.end())).le(staged, 8);
    o_.le(p.b.size(), 2).bytes(p.b);
    return *this;
  }
  // A transfer box of one 64x1 row at x, into the resource or the staged pages.
  CallSeed& transfer(Op op, std::uint32_t resource, std::uint64_t staged) {
    return call(op, {resource, 1, 0, 256, 0, 0, 0, 0, 64, 1, 1, 0}, staged);
  }
  Bytes bytes() const { return o_.b; }

  // PageRef records: range, offset, length.
  static Bytes pages(std::initializer_list<std::array<std::uint64_t, 3>> refs) {
    Out o;
    for (const auto& r : refs) o.le(r[0], 8).le(r[1], 8).le(r[2], 8);
    return o.b;
  }

 private:
  Out o_;
};

void renderer_call_server_seeds() {
  using S = CallSeed;
  // A guest blob over pages of both RAM ranges and one in the staging area after the list,
  // mapped (its pages shared in place), read back into, unmapped and released.
  write_seed("renderer_call_server", "create-blob-pages",
             S(S::pages({{0, 0, 4096}, {1, 4096, 8192}, {S::kStaging, 4096, 100}}))
                 .call(S::kCreateContext, {1, 0}, 0, "fuzz")
                 .call(S::kCreateBlob, {1, 1, 1, 3, 0, 12388}, 72)
                 .call(S::kAttachResource, {1, 1})
                 .call(S::kMapBlob, {1})
                 .call(S::kMapInfo, {1})
                 .transfer(S::kTransferFromHost, 1, 0)
                 .call(S::kUnmapBlob, {1})
                 .call(S::kUnrefResource, {1})
                 .bytes());
  // Backing refused: a page past RAM range 0's end, a range that is not there; then the one
  // good page alone is taken, a second attach is busy, detach and attach again.
  write_seed("renderer_call_server", "attach-backing-outside-ram",
             S(S::pages({{0, 0xf000, 4096}, {0, 0xf800, 4096}, {2, 0, 4096}}))
                 .call(S::kCreateResource3d, {2, 2, 1, 2, 64, 64, 1, 1, 0, 0, 0})
                 .call(S::kAttachBacking, {2}, 48)
                 .call(S::kAttachBacking, {2}, 72)
                 .call(S::kAttachBacking, {2}, 25)
                 .call(S::kAttachBacking, {2}, 24)
                 .call(S::kAttachBacking, {2}, 24)
                 .transfer(S::kTransferToHost, 2, 0)
                 .call(S::kDetachBacking, {2})
                 .call(S::kAttachBacking, {2}, 0)
                 .call(S::kUnrefResource, {2})
                 .bytes());
  // A command stream, submitted whole and cut short of a word; fences retired by a poll.
  Bytes stream;
  for (int i = 0; i < 64; ++i) stream.push_back(static_cast<std::uint8_t>(i * 3));
  write_seed("renderer_call_server", "submit-fences",
             S(stream)
                 .call(S::kCreateContext, {1, 2}, 0, "virgl")
                 .call(S::kSubmit, {1}, 64)
                 .call(S::kSubmit, {1}, 62)
                 .call(S::kSubmit, {7}, 0)
                 .call(S::kCreateFence, {1, 0, 1, 0})
                 .call(S::kCreateFence, {1, 3, 9, 1})
                 .call(S::kPoll, {})
                 .call(S::kCapset, {2, 2})
                 .call(S::kDestroyContext, {1})
                 .bytes());
  // A second create over an id whose pages the renderer holds (a blob's, an attached
  // backing's): refused, never freeing the pages' iovec array under the renderer.
  write_seed("renderer_call_server", "create-blob-over-held-pages",
             S(S::pages({{0, 0, 4096}, {1, 0, 4096}}))
                 .call(S::kCreateBlob, {1, 0, 1, 3, 0, 8192}, 48)
                 .call(S::kCreateBlob, {1, 0, 1, 3, 0, 8192}, 24)
                 .call(S::kCreateBlob, {1, 0, 1, 3, 0, 8192}, 0)
                 .call(S::kCreateResource3d, {2, 2, 1, 2, 64, 64, 1, 1, 0, 0, 0})
                 .call(S::kAttachBacking, {2}, 24)
                 .call(S::kCreateBlob, {2, 0, 1, 3, 0, 4096}, 48)
                 .transfer(S::kTransferFromHost, 2, 0)
                 .call(S::kUnrefResource, {1})
                 .call(S::kCreateBlob, {1, 0, 1, 3, 0, 4096}, 24)
                 .call(S::kUnrefResource, {2})
                 .bytes());
  // An empty stream (a guest's SUBMIT_3D of size 0): nothing to copy out of the staging area.
  write_seed("renderer_call_server", "submit-empty-stream",
             S({}).call(S::kCreateContext, {1, 0}, 0, "virgl").call(S::kSubmit, {1}, 0).bytes());
  // Host blobs (no pages): mapped at different offsets in their first page, mapped twice,
  // one that is not a blob, one that is not there.
  write_seed("renderer_call_server", "map-blob",
             S({})
                 .call(S::kCreateBlob, {3, 1, 2, 1, 7, 4096})
                 .call(S::kCreateBlob, {5, 1, 2, 1, 8, 65536})
                 .call(S::kCreateResource3d, {6, 2, 1, 2, 64, 64, 1, 1, 0, 0, 0})
                 .call(S::kMapBlob, {3})
                 .call(S::kMapBlob, {3})
                 .call(S::kMapBlob, {5})
                 .call(S::kMapBlob, {6})
                 .call(S::kMapBlob, {9})
                 .call(S::kUnmapBlob, {3})
                 .call(S::kMapBlob, {3})
                 .call(S::kUnrefResource, {5})
                 .bytes());
  // A transfer into host buffers in the staging area, after the list and (refused) inside
  // it, and into a RAM range's last bytes.
  write_seed("renderer_call_server", "transfer-from-host-staging",
             S(S::pages({{S::kStaging, 72, 4096}, {S::kStaging, 8192, 100}, {0, 0xff00, 0x100}}))
                 .call(S::kCreateResource3d, {4, 2, 1, 2, 64, 64, 1, 1, 0, 0, 0})
                 .transfer(S::kTransferFromHost, 4, 72)
                 .transfer(S::kTransferFromHost, 4, 96)
                 .transfer(S::kTransferFromHost, 4, 24)
                 .transfer(S::kTransferFromHost, 4, 0)
                 .call(S::kPoll, {})
                 .bytes());
}

}  // namespace
}  // namespace vmm::fuzz

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s OUT_DIR CONFIGS_DIR (e.g. tests/fuzz/corpus configs)\n", argv[0]);
    return 2;
  }
  vmm::fuzz::g_out = argv[1];
  vmm::fuzz::virtqueue_seeds();
  vmm::fuzz::virtio_gpu_seeds();
  vmm::fuzz::virgl_renderer_seeds();
  vmm::fuzz::virtio_pci_seeds();
  vmm::fuzz::msix_seeds();
  vmm::fuzz::bzimage_seeds();
  vmm::fuzz::config_seeds(argv[2]);
  vmm::fuzz::memslot_table_seeds();
  vmm::fuzz::page_walk_seeds();
  vmm::fuzz::control_request_seeds();
  vmm::fuzz::renderer_call_server_seeds();
  return 0;
}
