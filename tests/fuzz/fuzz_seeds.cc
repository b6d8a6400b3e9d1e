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
  CtrlHdr h{};
  h.type = type;
  h.ctx_id = ctx;
  h.flags = flags;
  h.fence_id = fence;
  return h;
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
  vmm::fuzz::virtio_pci_seeds();
  vmm::fuzz::msix_seeds();
  vmm::fuzz::bzimage_seeds();
  vmm::fuzz::config_seeds(argv[2]);
  vmm::fuzz::memslot_table_seeds();
  vmm::fuzz::page_walk_seeds();
  return 0;
}
