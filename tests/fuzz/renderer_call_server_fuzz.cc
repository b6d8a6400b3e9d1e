// Fuzzes vmm-gpu-process's side of the renderer calls (devices/gpu/process/
// renderer_call_server.h): a RendererCallServer attached to a real staging memfd
// (kStagingBytes, allocated lazily) and two small guest RAM memfds, serving decoded Call
// messages to a recording fake GpuRenderer. What the guest controls reaches the server this
// way: command streams, and page lists vmm derives from the guest's backing entries.
//
// Input:
//   u16 n, then n bytes (n <= 8192, cut to what is left): written at the staging area's start
//   then, until the input ends: u16 m, then m bytes (m <= kMaxPayload): one Call payload
//   (renderer_process_protocol.h), decoded with decode_call; the ones that decode are served
//   in order (the others are what the process answers BadMessage, never served).
// Guest RAM range 0 is 64 KiB, range 1 is 16 KiB. Before the input's calls, a probe call (a
// TransferFromHost with three empty pages) learns where the server mapped each memfd, and a
// marker written through the memfd and read back through that pointer confirms it.
//
// Invariants, for any input:
//  - serve() never reads or writes out of bounds (ASan), and the iovec arrays the renderer
//    was lent stay alive until detach or unref (the fake reads them after every call);
//  - every iovec the renderer receives (create_blob, attach_backing, transfer_from_host)
//    lies entirely inside one shared mapping: a RAM range, or the staging area after the
//    call's page list;
//  - a page list is passed on exactly when an independent reading of the staged PageRefs
//    says it is whole records, each inside what was shared, and then as exactly those
//    iovecs; one that is not is answered -EINVAL; a valid one that is not passed on is
//    answered -EBUSY (the renderer still holds that resource's backing);
//  - a Submit with staged a multiple of 4 reaches the renderer as exactly staged/4 words,
//    the staged bytes; any other is answered -EINVAL;
//  - a Capset's or Poll's staged output is the renderer's bytes or the retired fences;
//  - every reply stages at most kStagingBytes, holds at most kMaxCallArgs values and
//    survives vmm's decoder unchanged; only MapBlob replies with an fd, and exactly when its
//    rc is 0; that fd holds the blob's bytes at the reply's offset (< a page), and the
//    renderer's pointer still reads them after the server shared its pages in place;
//  - a server not attached answers -EPROTO; a second attach is refused.
// With VMM_FUZZ_TRACE set in the environment each call and its reply are printed. Without
// it, what a MapBlob call says on stderr (the server's line for each export the renderer
// refuses, the first 8 per server: per input here) is dropped; sanitizer reports still reach
// stderr.
//
// Seeds (tests/fuzz/corpus/renderer_call_server/, written by fuzz_seeds): a guest blob over
// both RAM ranges and the staging area, mapped and read back into; backings refused for a
// page past RAM's end and a range that is not there; submits and fences; host blobs mapped;
// transfers into the staging area; a create over held pages; an empty submit; and
// crash-create-blob-twice, the input that found the CreateBlob use-after-free.
#include <fcntl.h>
#include <sanitizer/common_interface_defs.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "devices/gpu/process/renderer_call_server.h"
#include "devices/gpu/process/renderer_process_message.h"
#include "devices/gpu/renderer/gpu_renderer.h"
#include "tests/fuzz/fuzz_support.h"

namespace vmm::fuzz {
namespace {

using namespace gpu;
using namespace gpu::process;

constexpr std::size_t kPrefixMax = 8192;
constexpr std::size_t kMaxCalls = 256;
constexpr std::uint64_t kRangeSizes[] = {64 * 1024, 16 * 1024};
constexpr std::size_t kRanges = std::size(kRangeSizes);
// A blob the fake maps lives in a region of its own this big; the blob starts inside the
// first page and ends before the last byte, so share_in_place's whole pages stay inside it.
constexpr std::size_t kBlobRegion = 3 * 4096;
constexpr std::uint64_t kMaxBlob = 8192;
constexpr std::uint32_t kHugeCapsetId = 0x7fffffff;  // its capset is larger than the staging area

std::size_t page_size() { return static_cast<std::size_t>(getpagesize()); }

std::uint8_t blob_byte(std::uint32_t resource, std::size_t i) { return static_cast<std::uint8_t>(resource * 7 + i); }
std::uint8_t capset_byte(std::uint32_t id, std::size_t i) { return static_cast<std::uint8_t>(id * 31 + i); }

std::vector<std::uint8_t> read_fd(int fd, std::uint64_t offset, std::size_t n) {
  std::vector<std::uint8_t> out(n);
  std::size_t done = 0;
  while (done < n) {
    const ssize_t got = pread(fd, out.data() + done, n - done, static_cast<off_t>(offset + done));
    FUZZ_CHECK(got > 0, "cannot read back a memfd");
    done += static_cast<std::size_t>(got);
  }
  return out;
}

void write_fd(int fd, std::uint64_t offset, std::span<const std::uint8_t> bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t put = pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    FUZZ_CHECK(put > 0, "cannot write a memfd");
    done += static_cast<std::size_t>(put);
  }
}

UniqueFd make_memfd(const char* name, std::uint64_t size) {
  UniqueFd fd(memfd_create(name, MFD_CLOEXEC));
  FUZZ_CHECK(fd.valid() && ftruncate(fd.get(), static_cast<off_t>(size)) == 0, "cannot make a memfd");
  return fd;
}

// A renderer that records what it was given and checks each iovec against the mappings the
// server shares; it models virglrenderer where the server's bookkeeping depends on it
// (resource ids must exist, a backing is attached once, a created id is taken).
class FuzzRenderer : public GpuRenderer {
 public:
  struct Region {
    std::uintptr_t lo = 0, hi = 0;
  };
  struct Blob {
    std::uint8_t* region = nullptr;  // kBlobRegion bytes, mmap'd here
    RendererMapping mapping;
  };

  explicit FuzzRenderer(FenceRetired on_fence) : on_fence_(std::move(on_fence)) {}
  ~FuzzRenderer() override {
    for (auto& [res, blob] : mapped_) munmap(blob.region, kBlobRegion);
  }

  // --- what the harness sets and reads ---
  bool bounds_known = false;
  std::uintptr_t staging_base = 0;
  Region ram[kRanges];
  std::uint64_t floor = 0;  // the current call's staged bytes: the page list's end
  int page_calls = 0;       // calls that were given a page list
  std::vector<iovec> last_pages;
  int submits = 0;
  std::vector<std::uint32_t> last_words;
  std::vector<std::uint8_t> last_capset;
  std::vector<std::uint64_t> last_retired;  // Poll's records, 4 u64s per fence

  bool lends(std::uint32_t res) const {
    auto it = lent_.find(res);
    return it != lent_.end() && !it->second.pages.empty();
  }
  const Blob* blob(std::uint32_t res) const {
    auto it = mapped_.find(res);
    return it == mapped_.end() ? nullptr : &it->second;
  }
  // Reads every iovec array it still holds (a freed one is ASan's use-after-free) and checks
  // it is the array it was given.
  void check_lent() const {
    for (const auto& [res, l] : lent_) {
      if (l.pages.empty()) continue;
      FUZZ_CHECK(l.pages.front().iov_base == l.first.iov_base && l.pages.front().iov_len == l.first.iov_len &&
                     l.pages.back().iov_base == l.last.iov_base && l.pages.back().iov_len == l.last.iov_len,
                 "resource " + std::to_string(res) + "'s lent iovec array changed under the renderer");
    }
  }

  // --- GpuRenderer ---
  std::string description() const override { return "fuzz renderer"; }
  std::vector<CapsetInfo> capsets() const override { return {{2, 2, 4096}}; }
  std::vector<std::uint8_t> capset(std::uint32_t id, std::uint32_t) override {
    if (id == kHugeCapsetId) return last_capset = std::vector<std::uint8_t>(kStagingBytes + 1);
    last_capset.resize(id % 4097);
    for (std::size_t i = 0; i < last_capset.size(); ++i) last_capset[i] = capset_byte(id, i);
    return last_capset;
  }
  int create_context(std::uint32_t ctx, std::uint32_t, std::string_view) override {
    return contexts_.insert(ctx).second ? 0 : -EEXIST;
  }
  void destroy_context(std::uint32_t ctx) override { contexts_.erase(ctx); }
  void attach_resource(std::uint32_t, std::uint32_t) override {}
  void detach_resource(std::uint32_t, std::uint32_t) override {}
  int submit(std::uint32_t ctx, std::span<const std::uint32_t> commands) override {
    ++submits;
    last_words.assign(commands.begin(), commands.end());
    return contexts_.count(ctx) ? 0 : -EINVAL;
  }
  int create_resource_3d(const Resource3dArgs& a) override {
    if (a.resource_id == 0 || resources_.count(a.resource_id)) return -EINVAL;
    resources_[a.resource_id] = 0;
    return 0;
  }
  int create_blob(const BlobArgs& a) override {
    took_pages(a.guest_pages);
    if (a.resource_id == 0 || resources_.count(a.resource_id) || a.size == 0) return -EINVAL;
    if (a.blob_flags & 0x80000000u) return -ENOMEM;  // a renderer that fails after looking
    resources_[a.resource_id] = a.size;
    if (!a.guest_pages.empty()) lend(a.resource_id, a.guest_pages);
    return 0;
  }
  void unref_resource(std::uint32_t res) override {
    lent_.erase(res);
    resources_.erase(res);
    drop_blob(res);
  }
  int attach_backing(std::uint32_t res, std::span<const iovec> pages) override {
    took_pages(pages);
    if (!resources_.count(res) || lent_.count(res)) return -EINVAL;  // virgl: one backing at a time
    lend(res, pages);
    return 0;
  }
  void detach_backing(std::uint32_t res) override { lent_.erase(res); }
  int transfer_to_host(const TransferArgs&) override { return 0; }
  int transfer_from_host(const TransferArgs&, std::span<const iovec> into) override {
    took_pages(into);
    // What a transfer does with them: writes (the first and last byte of each, enough for a
    // page that is not mapped to fault).
    if (bounds_known)
      for (const iovec& v : into)
        if (v.iov_len != 0) {
          static_cast<volatile std::uint8_t*>(v.iov_base)[0] = 0xa5;
          static_cast<volatile std::uint8_t*>(v.iov_base)[v.iov_len - 1] = 0x5a;
        }
    return 0;
  }
  int map_blob(std::uint32_t res, RendererMapping* out) override {
    auto it = resources_.find(res);
    if (it == resources_.end() || it->second == 0 || mapped_.count(res)) return -EINVAL;
    void* p = mmap(nullptr, kBlobRegion, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return -ENOMEM;
    Blob b;
    b.region = static_cast<std::uint8_t*>(p);
    const std::uint64_t size = 1 + (it->second - 1) % kMaxBlob;
    b.mapping = {b.region + (res * 64) % 4096, size};
    for (std::size_t i = 0; i < size; ++i) b.mapping.data[i] = blob_byte(res, i);
    mapped_[res] = b;
    *out = b.mapping;
    return 0;
  }
  int unmap_blob(std::uint32_t res) override { return drop_blob(res) ? 0 : -EINVAL; }
  int map_info(std::uint32_t res) override { return mapped_.count(res) ? 1 : -EINVAL; }
  // export_blob: the default, -ENOTSUP, so the server shares the pages in place.
  int create_fence(std::uint32_t ctx, std::uint32_t ring, std::uint64_t fence, bool per_context) override {
    pending_.push_back({ctx, ring, fence, per_context ? 1u : 0u});
    return 0;
  }
  void poll() override {
    last_retired.clear();
    for (const auto& f : pending_) {
      last_retired.insert(last_retired.end(), f.begin(), f.end());
      on_fence_(static_cast<std::uint32_t>(f[0]), static_cast<std::uint32_t>(f[1]), f[2], f[3] != 0);
    }
    pending_.clear();
  }
  int poll_fd() const override { return -1; }

 private:
  struct Lent {
    std::span<const iovec> pages;
    iovec first{}, last{};
  };

  bool inside(const iovec& v) const {
    const auto p = reinterpret_cast<std::uintptr_t>(v.iov_base);
    auto in = [&](const Region& r) { return p >= r.lo && p <= r.hi && v.iov_len <= r.hi - p; };
    if (in(Region{staging_base + floor, staging_base + kStagingBytes})) return true;
    return std::any_of(std::begin(ram), std::end(ram), in);
  }
  void took_pages(std::span<const iovec> pages) {
    ++page_calls;
    last_pages.assign(pages.begin(), pages.end());
    if (!bounds_known) return;
    for (std::size_t i = 0; i < pages.size(); ++i)
      FUZZ_CHECK(inside(pages[i]), "page " + std::to_string(i) + " of " + std::to_string(pages.size()) +
                                       " (" + std::to_string(pages[i].iov_len) +
                                       " bytes) is outside every shared mapping");
  }
  void lend(std::uint32_t res, std::span<const iovec> pages) {
    Lent l{pages, {}, {}};
    if (!pages.empty()) l.first = pages.front(), l.last = pages.back();
    lent_[res] = l;
  }
  bool drop_blob(std::uint32_t res) {
    auto it = mapped_.find(res);
    if (it == mapped_.end()) return false;
    munmap(it->second.region, kBlobRegion);
    mapped_.erase(it);
    return true;
  }

  FenceRetired on_fence_;
  std::set<std::uint32_t> contexts_;
  std::map<std::uint32_t, std::uint64_t> resources_;  // id -> blob size (0: not a blob)
  std::map<std::uint32_t, Lent> lent_;
  std::map<std::uint32_t, Blob> mapped_;
  std::vector<std::array<std::uint64_t, 4>> pending_;
};

struct Shared {
  UniqueFd staging;
  UniqueFd ram[kRanges];
};

UniqueFd dup_fd(const UniqueFd& fd) {
  UniqueFd copy(dup(fd.get()));
  FUZZ_CHECK(copy.valid(), "cannot dup a memfd");
  return copy;
}

AttachRequest attach_request() {
  return AttachRequest{kStagingBytes, std::vector<std::uint64_t>(std::begin(kRangeSizes), std::end(kRangeSizes))};
}

std::vector<UniqueFd> attach_fds(const Shared& shared) {
  std::vector<UniqueFd> fds;
  fds.push_back(dup_fd(shared.staging));
  for (const auto& fd : shared.ram) fds.push_back(dup_fd(fd));
  return fds;
}

std::uint64_t le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

// Learns where the server mapped each memfd: a TransferFromHost whose page list names an
// empty page at the start of each RAM range and one in the staging area; then a marker
// written through each memfd must read back through the pointer the renderer was given.
void probe(RendererCallServer& server, FuzzRenderer& fake, const Shared& shared) {
  const std::uint64_t list[] = {0, 0, 0, 1, 0, 0, kStagingRange, 3 * kPageRefBytes, 0};
  write_fd(shared.staging.get(), 0, {reinterpret_cast<const std::uint8_t*>(list), sizeof(list)});
  CallRequest call{CallOp::TransferFromHost, std::vector<std::uint64_t>(12), {}, sizeof(list)};
  UniqueFd fd;
  const CallReply reply = server.serve(call, &fd);
  FUZZ_CHECK(reply.rc == 0 && fake.page_calls == 1 && fake.last_pages.size() == 3,
             "the probe's page list was refused: rc " + std::to_string(reply.rc));
  const auto base = [&](std::size_t i) { return reinterpret_cast<std::uintptr_t>(fake.last_pages[i].iov_base); };
  fake.staging_base = base(2) - 3 * kPageRefBytes;
  for (std::size_t i = 0; i < kRanges; ++i) fake.ram[i] = {base(i), base(i) + kRangeSizes[i]};
  const std::uint64_t marker = 0x6d61726b65720000ull;
  const std::uint8_t* m = reinterpret_cast<const std::uint8_t*>(&marker);
  const std::uint8_t zeros[sizeof(list)] = {};
  write_fd(shared.staging.get(), 3 * kPageRefBytes, {m, 8});
  FUZZ_CHECK(fake.staging_base % page_size() == 0 &&
                 std::memcmp(reinterpret_cast<void*>(base(2)), &marker, 8) == 0,
             "the staging page the probe named is not the staging memfd's");
  write_fd(shared.staging.get(), 0, zeros);
  for (std::size_t i = 0; i < kRanges; ++i) {
    write_fd(shared.ram[i].get(), 0, {m, 8});
    FUZZ_CHECK(base(i) % page_size() == 0 && std::memcmp(reinterpret_cast<void*>(base(i)), &marker, 8) == 0,
               "the probe's page in RAM range " + std::to_string(i) + " is not that range's memfd");
    write_fd(shared.ram[i].get(), 0, {zeros, 8});
  }
  fake.bounds_known = true;
  fake.page_calls = 0;
}

// The page list the server must pass on for CALL, read independently from the staging memfd;
// nullopt where it must refuse.
std::optional<std::vector<iovec>> expected_pages(const CallRequest& call, const FuzzRenderer& fake,
                                                 const Shared& shared) {
  if (call.staged % kPageRefBytes != 0) return std::nullopt;
  const auto bytes = read_fd(shared.staging.get(), 0, call.staged);
  std::vector<iovec> out;
  for (std::size_t at = 0; at < bytes.size(); at += kPageRefBytes) {
    const std::uint64_t range = le64(&bytes[at]), offset = le64(&bytes[at + 8]), length = le64(&bytes[at + 16]);
    std::uint64_t size = 0, floor = 0;
    std::uintptr_t base = 0;
    if (range == kStagingRange) size = kStagingBytes, floor = call.staged, base = fake.staging_base;
    else if (range < kRanges) size = kRangeSizes[range], base = fake.ram[range].lo;
    else return std::nullopt;
    // In 128 bits: no sum here can wrap.
    if (offset < floor || static_cast<unsigned __int128>(offset) + length > size) return std::nullopt;
    out.push_back({reinterpret_cast<void*>(base + offset), static_cast<std::size_t>(length)});
  }
  return out;
}

// Sends fd 2 to /dev/null while it lives. The sanitizers report on a copy of the real stderr
// (set once), so a report from inside the quiet part is still seen.
class QuietStderr {
 public:
  QuietStderr() {
    static const bool ready = [] {
      const int copy = fcntl(2, F_DUPFD_CLOEXEC, 3);
      FUZZ_CHECK(copy >= 0, "cannot copy stderr");
      __sanitizer_set_report_fd(reinterpret_cast<void*>(static_cast<std::intptr_t>(copy)));
      return true;
    }();
    (void)ready;
    saved_ = fcntl(2, F_DUPFD_CLOEXEC, 3);
    const int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    FUZZ_CHECK(saved_ >= 0 && null >= 0 && dup2(null, 2) == 2, "cannot quiet stderr");
    close(null);
  }
  ~QuietStderr() {
    dup2(saved_, 2);
    close(saved_);
  }
  QuietStderr(const QuietStderr&) = delete;
  QuietStderr& operator=(const QuietStderr&) = delete;

 private:
  int saved_ = -1;
};

std::string op_text(const CallRequest& call) {
  return call_op_name(call.op) + " (staged " + std::to_string(call.staged) + ")";
}

void check_reply(const CallRequest& call, const CallReply& reply, const UniqueFd& fd) {
  FUZZ_CHECK(reply.staged <= kStagingBytes, op_text(call) + " replied staging " + std::to_string(reply.staged));
  FUZZ_CHECK(reply.values.size() <= kMaxCallArgs, op_text(call) + " replied too many values");
  std::string why;
  const auto again = decode_call_reply(encode_call_reply(reply), &why);
  FUZZ_CHECK(again && *again == reply, op_text(call) + "'s reply does not survive vmm's decoder: " + why);
  if (call.op == CallOp::MapBlob)
    FUZZ_CHECK(fd.valid() == (reply.rc == 0), "MapBlob replied rc " + std::to_string(reply.rc) +
                                                  (fd.valid() ? " with" : " without") + " an fd");
  else
    FUZZ_CHECK(!fd.valid(), op_text(call) + " replied with an fd");
}

void check_map_blob(const CallRequest& call, const CallReply& reply, const UniqueFd& fd, const FuzzRenderer& fake) {
  if (reply.rc != 0) return;
  const auto res = static_cast<std::uint32_t>(call.args[0]);
  const FuzzRenderer::Blob* blob = fake.blob(res);
  FUZZ_CHECK(blob != nullptr, "MapBlob succeeded for a blob the renderer did not map");
  const RendererMapping& m = blob->mapping;
  const std::uint64_t offset = reinterpret_cast<std::uintptr_t>(m.data) % page_size();
  FUZZ_CHECK(reply.values.size() == 3 && reply.values[0] == m.size && reply.values[1] == 1 &&
                 reply.values[2] == offset,
             "MapBlob's values are not the blob's size, map_info and offset in its page");
  struct stat st{};
  FUZZ_CHECK(fstat(fd.get(), &st) == 0 && static_cast<std::uint64_t>(st.st_size) >= offset + m.size,
             "MapBlob's fd is smaller than the blob it holds");
  const auto bytes = read_fd(fd.get(), offset, m.size);
  for (std::size_t i = 0; i < m.size; ++i) {
    FUZZ_CHECK(bytes[i] == blob_byte(res, i), "MapBlob's fd does not hold the blob's bytes at its offset");
    FUZZ_CHECK(m.data[i] == blob_byte(res, i), "the renderer's blob changed when its pages were shared");
  }
}

void run(ByteReader& in) {
  static const bool trace = std::getenv("VMM_FUZZ_TRACE") != nullptr;
  Shared shared;
  shared.staging = make_memfd("vmm-fuzz-staging", kStagingBytes);
  shared.ram[0] = make_memfd("vmm-fuzz-ram0", kRangeSizes[0]);
  shared.ram[1] = make_memfd("vmm-fuzz-ram1", kRangeSizes[1]);

  RendererCallServer server;
  FuzzRenderer fake(server.fence_sink());
  server.set_renderer(&fake);
  {
    UniqueFd none;
    RendererCallServer unattached;
    unattached.set_renderer(&fake);
    FUZZ_CHECK(unattached.serve(CallRequest{}, &none).rc == -EPROTO, "a call before attach was served");
  }
  std::string error;
  FUZZ_CHECK(server.attach(attach_request(), attach_fds(shared), &error), "attach failed: " + error);
  FUZZ_CHECK(!server.attach(attach_request(), attach_fds(shared), &error), "a second attach was taken");
  probe(server, fake, shared);

  write_fd(shared.staging.get(), 0, in.bytes(kPrefixMax));
  for (std::size_t n = 0; n < kMaxCalls && !in.done(); ++n) {
    const auto payload = in.bytes(kMaxPayload);
    auto call = decode_call(payload, &error);
    if (!call) continue;
    fake.floor = call->staged;
    const int page_calls = fake.page_calls, submits = fake.submits;
    const bool lent_before = fake.lends(static_cast<std::uint32_t>(call->args.empty() ? 0 : call->args[0]));
    UniqueFd fd;
    CallReply reply;
    if (call->op == CallOp::MapBlob && !trace) {
      QuietStderr quiet;
      reply = server.serve(*call, &fd);
    } else {
      reply = server.serve(*call, &fd);
    }
    if (trace)
      std::fprintf(stderr, "%s: rc %d, %zu values, staged %llu%s\n", op_text(*call).c_str(), reply.rc,
                   reply.values.size(), static_cast<unsigned long long>(reply.staged), fd.valid() ? ", an fd" : "");
    check_reply(*call, reply, fd);
    fake.check_lent();

    switch (call->op) {
      case CallOp::CreateBlob:
      case CallOp::AttachBacking:
      case CallOp::TransferFromHost: {
        const auto want = expected_pages(*call, fake, shared);
        const bool passed = fake.page_calls != page_calls;
        if (!want) {
          FUZZ_CHECK(!passed && reply.rc == -EINVAL, op_text(*call) + ": a page list outside what was shared "
                                                     "was not refused -EINVAL");
        } else if (!passed) {
          FUZZ_CHECK(reply.rc == -EBUSY && lent_before,
                     op_text(*call) + ": a valid page list was not passed on (rc " + std::to_string(reply.rc) + ")");
        } else {
          bool same = want->size() == fake.last_pages.size();
          for (std::size_t i = 0; same && i < want->size(); ++i)
            same = (*want)[i].iov_base == fake.last_pages[i].iov_base && (*want)[i].iov_len == fake.last_pages[i].iov_len;
          FUZZ_CHECK(same, op_text(*call) + ": the renderer got other pages than the list names");
        }
        break;
      }
      case CallOp::Submit:
        if (call->staged % 4 != 0) {
          FUZZ_CHECK(reply.rc == -EINVAL && fake.submits == submits, op_text(*call) + " was not refused");
        } else {
          FUZZ_CHECK(fake.submits == submits + 1 && fake.last_words.size() == call->staged / 4,
                     op_text(*call) + " reached the renderer as " + std::to_string(fake.last_words.size()) +
                         " words");
          // The first words and the last: the whole of a 16 MiB stream would be slow to compare.
          const std::size_t head = std::min<std::size_t>(fake.last_words.size(), 256);
          const auto bytes = read_fd(shared.staging.get(), 0, head * 4);
          FUZZ_CHECK(bytes.empty() || std::memcmp(bytes.data(), fake.last_words.data(), bytes.size()) == 0,
                     op_text(*call) + ": the renderer's words are not the staged bytes");
          if (!fake.last_words.empty()) {
            const auto tail = read_fd(shared.staging.get(), call->staged - 4, 4);
            FUZZ_CHECK(std::memcmp(tail.data(), &fake.last_words.back(), 4) == 0,
                       op_text(*call) + ": the renderer's last word is not the staged one");
          }
        }
        break;
      case CallOp::Capset:
        if (fake.last_capset.size() > kStagingBytes) {
          FUZZ_CHECK(reply.rc == -E2BIG, "a capset larger than the staging area was not refused");
        } else {
          FUZZ_CHECK(reply.rc == 0 && reply.staged == fake.last_capset.size() &&
                         read_fd(shared.staging.get(), 0, reply.staged) == fake.last_capset,
                     "Capset's staged output is not the renderer's bytes");
        }
        fake.last_capset.clear();
        break;
      case CallOp::Poll: {
        const std::size_t n = fake.last_retired.size() / 4;
        FUZZ_CHECK(reply.rc == 0 && reply.values.size() == 2 && reply.values[0] == n &&
                       reply.staged == n * kFenceRecordBytes,
                   "Poll did not report the " + std::to_string(n) + " fences the renderer retired");
        const auto bytes = read_fd(shared.staging.get(), 0, reply.staged);
        FUZZ_CHECK(bytes.empty() || std::memcmp(bytes.data(), fake.last_retired.data(), bytes.size()) == 0,
                   "Poll's fence records are not the retired fences");
        break;
      }
      case CallOp::MapBlob: check_map_blob(*call, reply, fd, fake); break;
      default: break;
    }
  }
}

}  // namespace
}  // namespace vmm::fuzz

VMM_FUZZ_TARGET(vmm::fuzz::run)
