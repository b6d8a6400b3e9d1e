// Fuzzes a whole VirtioGpu (devices/gpu/virtio_gpu.h) the way a guest driver reaches it:
// real Virtqueues over a small GuestMemory, requests placed in guest RAM by the unit tests'
// FakeDriverRing, a notify per request, and the unit tests' FakeMemoryMapper holding the
// blob memslots. The input is decoded into a stream of operations (see `Op`):
//
//   command   one request of a known type with fields drawn from the input (mostly small
//             ids, page-sized offsets and sizes), maybe truncated or padded, split into
//             1-3 readable buffers (direct or indirect), with a writable part of the right
//             size or not, on the right queue or not
//   raw       a hostile chain: descriptors with made-up addresses, lengths, flags and next
//             indices (never pointing into the rings themselves), published and notified
//   bar       the transport moves the host-visible region (a BAR move)
//   reset     reset() and a fresh activation with features from the input
//   misc      config space, display change, a refused next map, host writes into blobs,
//             a notify on a queue that does not exist
//
// Encoding of a command (all from the input, see encode_command): a selector byte picks
// the command from kShapes; header flags/fence/ctx; one value per 32-bit field (a selector
// byte then the value) and per 64-bit field; for ATTACH_BACKING / CREATE_BLOB a count and
// that many MemEntry; then the request length mode, buffer split, writable length mode,
// queue choice and the indirect flag.
//
// Invariants checked after every operation:
//  - every published chain comes back exactly once, with its own head, and no more bytes
//    written than its writable part holds;
//  - a response is a well-formed header: a known response type, the OK type that matches
//    the command (DISPLAY_INFO only for GET_DISPLAY_INFO, MAP_INFO only for MAP_BLOB), the
//    length of that type (cut to the writable part), the fence echoed exactly when asked;
//    the display info and map_info match the device's configuration;
//  - the fake mapper never holds two overlapping slots, a slot outside the host-visible
//    region, an unaligned or empty one, or (fixed mode) more than the one region slot;
//  - resource_count() stays within gpu_limits.h; stats count no more errors than commands;
//  - after reset(), and after the device is destroyed, nothing stays mapped.
// With VMM_FUZZ_TRACE set in the environment each command and its answer are printed.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "base/page.h"
#include "devices/gpu/gpu_limits.h"
#include "devices/gpu/virtio_gpu.h"
#include "devices/gpu/virtio_gpu_protocol.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/gpu_fuzz_device.h"

namespace vmm::fuzz {
namespace {

using namespace gpu;
using namespace gpu_device;
constexpr std::uint16_t kCtrlQueueSize = 64;
constexpr std::uint16_t kCursorQueueSize = 16;

class CountingInterrupt : public VirtioInterrupt {
 public:
  void signal_used_queue(std::uint16_t) override { ++used; }
  void signal_config_change() override { ++config; }
  int used = 0;
  int config = 0;
};

std::uint32_t response_length(std::uint32_t type) {
  switch (type) {
    case resp::kOkDisplayInfo: return sizeof(RespDisplayInfo);
    case resp::kOkMapInfo: return sizeof(RespMapInfo);
    default: return sizeof(CtrlHdr);
  }
}

class GpuHarness {
 public:
  explicit GpuHarness(ByteReader& in) : in_(in) {
    const std::uint8_t shape = in.u8();
    config_.hostmem_size = (shape & 1) ? (1ull << 20) : (64ull << 10);
    config_.mapping = (shape & 2) ? BlobMappingMode::Fixed : BlobMappingMode::PerBlob;
    config_.blob_cache = static_cast<BlobCacheMode>((shape >> 2) % 3);
    config_.memslot_cache = static_cast<MemslotCacheOverride>((shape >> 4) % 3);
    gpu_ = std::make_unique<VirtioGpu>(memory_, mapper_, config_);
    if (!(shape & 0x40)) set_base(gpu_encoding::kBarBase);
    activate(features_from(in.u8()));
  }

  ~GpuHarness() {
    gpu_.reset();
    FUZZ_CHECK(mapper_.live.empty(), "slots are still mapped after the device was destroyed");
  }

  void run() {
    for (int steps = 0; !in_.done() && steps < 512; ++steps) {
      const std::uint8_t op = in_.u8();
      switch (op % 10) {
        case 7: raw_chain(); break;
        case 8: move_bar(); break;
        case 9:
          if (op & 0x10) reset_and_activate(); else misc();
          break;
        default: command(); break;
      }
      check_state();
    }
  }

 private:
  static std::uint64_t features_from(std::uint8_t byte) {
    if (byte < 0xc0) return (1ull << kFeatureVirgl) | (1ull << kFeatureResourceBlob);
    return byte & 0x1f;  // any mix of the low feature bits
  }

  void activate(std::uint64_t features) {
    ctrl_ring_ = std::make_unique<FakeDriverRing>(
        memory_, FakeDriverRing::Options{.size = kCtrlQueueSize, .ring_base = kCtrlRange});
    cursor_ring_ = std::make_unique<FakeDriverRing>(
        memory_, FakeDriverRing::Options{.size = kCursorQueueSize, .ring_base = kCursorRange});
    ctrl_queue_ = std::make_unique<Virtqueue>(memory_, ctrl_ring_->config());
    cursor_queue_ = std::make_unique<Virtqueue>(memory_, cursor_ring_->config());
    gpu_->activate(features, {ctrl_queue_.get(), cursor_queue_.get()}, interrupt_);
  }

  void set_base(std::uint64_t base) {
    gpu_->set_shared_memory_base(kShmIdHostVisible, base);
    base_ = base;
  }

  FakeDriverRing& ring(std::uint16_t queue) {
    return queue == kControlQueue ? *ctrl_ring_ : *cursor_ring_;
  }

  // One request built from the input, sent, and its answer checked.
  void command() {
    gpu_encoding::Request request = gpu_encoding::decode_request(in_);
    // Empty buffers are left out: FakeDriverRing would copy zero bytes from a null pointer
    // (GuestMemory::write's memcpy). Zero-length descriptors are raw_chain()'s business.
    std::erase_if(request.readable, [](const auto& piece) { return piece.empty(); });
    std::erase(request.writable, 0u);
    std::vector<FakeBuffer> buffers;
    for (const auto& piece : request.readable) buffers.push_back(FakeBuffer::readable(piece));
    std::uint64_t capacity = 0;
    for (std::uint32_t len : request.writable) {
      buffers.push_back(FakeBuffer::writable(len));
      capacity += len;
    }
    if (buffers.empty()) return;
    const std::uint16_t queue = request.queue;
    auto added = ring(queue).add_chain(buffers, request.indirect);
    gpu_->notify_queue(queue);
    const auto used = take_one(queue, added.head);
    if (!used) return;  // the queue is not running (features, reset): nothing to check
    FUZZ_CHECK(used->len <= capacity, "device claims more bytes than the writable part holds");

    // Gather the writable part back into one response.
    std::vector<std::uint8_t> response;
    for (std::size_t i = 0; i < request.writable.size(); ++i) {
      const auto part = ring(queue).read(added.addrs[request.readable.size() + i],
                                         request.writable[i]);
      response.insert(response.end(), part.begin(), part.end());
    }
    check_response(request, capacity, used->len, response);
  }

  void check_response(const gpu_encoding::Request& request, std::uint64_t capacity,
                      std::uint32_t written, const std::vector<std::uint8_t>& response) {
    if (trace_) {
      std::uint32_t type = 0;
      std::memcpy(&type, response.data(), std::min<std::size_t>(4, response.size()));
      std::fprintf(stderr, "virtio_gpu_fuzz: queue %u command %#x (%zu bytes) -> %#x (%u bytes)\n",
                   request.queue, request.header().type, request.bytes.size(), type, written);
    }
    if (request.queue == kCursorQueue && capacity == 0) {
      FUZZ_CHECK(written == 0, "a cursor command without a response buffer gets nothing");
      return;
    }
    if (capacity < sizeof(std::uint32_t)) {
      FUZZ_CHECK(written == capacity, "a response is at least a header: it fills a tiny buffer");
      return;
    }
    CtrlHdr hdr{};
    std::memcpy(&hdr, response.data(), std::min<std::size_t>(sizeof hdr, response.size()));
    FUZZ_CHECK(known_response(hdr.type), "unknown response type " + std::to_string(hdr.type));
    const std::uint64_t expected = std::min<std::uint64_t>(capacity, response_length(hdr.type));
    FUZZ_CHECK(written == expected, "response of type " + std::to_string(hdr.type) + " wrote " +
                                        std::to_string(written) + " bytes, expected " +
                                        std::to_string(expected));

    const bool has_header = request.bytes.size() >= sizeof(CtrlHdr);
    const CtrlHdr asked = has_header ? request.header() : CtrlHdr{};
    if (hdr.type == resp::kOkDisplayInfo)
      FUZZ_CHECK(asked.type == cmd::kGetDisplayInfo, "DISPLAY_INFO answers another command");
    if (hdr.type == resp::kOkMapInfo)
      FUZZ_CHECK(asked.type == cmd::kResourceMapBlob, "MAP_INFO answers another command");
    if (hdr.type == resp::kOkNodata)
      FUZZ_CHECK(asked.type != cmd::kGetDisplayInfo && asked.type != cmd::kResourceMapBlob,
                 "OK_NODATA for a command that answers with data");
    if (!has_header)
      FUZZ_CHECK(hdr.type == resp::kErrUnspec, "a request shorter than a header is ERR_UNSPEC");
    if (written < sizeof(CtrlHdr)) return;

    gpu_encoding::check_fence_echo(hdr, asked);
    if (hdr.type == resp::kOkDisplayInfo && written == sizeof(RespDisplayInfo)) {
      RespDisplayInfo info{};
      std::memcpy(&info, response.data(), sizeof info);
      FUZZ_CHECK(info.pmodes[0].r.width == config_.width &&
                     info.pmodes[0].r.height == config_.height && info.pmodes[0].enabled == 1,
                 "scanout 0 is the configured mode, enabled");
      for (std::uint32_t i = 1; i < kMaxScanouts; ++i)
        FUZZ_CHECK(info.pmodes[i].enabled == 0, "only scanout 0 exists");
    }
    if (hdr.type == resp::kOkMapInfo && written == sizeof(RespMapInfo)) {
      RespMapInfo info{};
      std::memcpy(&info, response.data(), sizeof info);
      FUZZ_CHECK(info.map_info == map_info_for(config_.blob_cache),
                 "map_info is what the configuration says");
    }
  }

  // The one used element a single published chain must produce.
  std::optional<virtq::UsedElem> take_one(std::uint16_t queue, std::uint16_t head) {
    auto used = ring(queue).take_used();
    if (!running(queue)) {
      FUZZ_CHECK(!used, "a queue that is not running returned a chain");
      return std::nullopt;
    }
    FUZZ_CHECK(used.has_value(), "the device did not return the chain");
    FUZZ_CHECK(used->id == head, "the device returned another head");
    FUZZ_CHECK(!ring(queue).take_used(), "the device returned more chains than were published");
    return used;
  }

  bool running(std::uint16_t) const { return activated_; }

  // A hostile chain: descriptors pointing anywhere but at the rings themselves.
  void raw_chain() {
    const std::uint16_t queue = (in_.u8() & 7) == 0 ? kCursorQueue : kControlQueue;
    FakeDriverRing& r = ring(queue);
    const std::uint16_t size = r.config().size;
    const unsigned count = 1 + in_.u8() % 3;
    std::uint16_t first = 0;
    for (unsigned i = 0; i < count; ++i) {
      const auto index = static_cast<std::uint16_t>(in_.u8() % size);
      if (i == 0) first = index;
      virtq::Desc d{};
      d.addr = hostile_addr(r);
      d.len = in_.small_u32();
      d.flags = static_cast<std::uint16_t>(in_.u8() & 7);
      d.next = (in_.u8() & 7) == 0 ? in_.u16() : static_cast<std::uint16_t>(in_.u8() % size);
      if (d.flags & virtq::kDescFIndirect) {
        // Point it at a table of made-up entries in the data area.
        const unsigned entries = 1 + in_.u8() % 4;
        const std::uint64_t table = r.alloc(16ull * entries);
        std::vector<virtq::Desc> t(entries);
        for (auto& e : t) {
          e.addr = hostile_addr(r);
          e.len = in_.small_u32();
          e.flags = static_cast<std::uint16_t>(in_.u8() & 7);
          e.next = static_cast<std::uint16_t>(in_.u8() % (entries + 1));
        }
        r.write_table(table, t);
        d.addr = table;
        if (in_.u8() & 1) d.len = static_cast<std::uint32_t>(16 * entries);
      }
      r.write_desc(index, d);
    }
    const std::uint16_t head = (in_.u8() & 15) == 0 ? in_.u16() : first;
    r.publish(head);
    gpu_->notify_queue(queue);
    take_one(queue, head);
  }

  // A buffer address that is never inside either queue's rings (the driver may break its
  // own buffers, but then "every chain comes back once" would no longer be the device's
  // doing).
  std::uint64_t hostile_addr(FakeDriverRing& r) {
    switch (in_.u8() % 6) {
      case 0: case 1: return r.data_begin() + in_.u16() % (r.data_end() - r.data_begin());
      case 2: return kBackingBase + (std::uint64_t{in_.u16()} << 4) % kBackingSize;
      case 3: return kBackingBase + kBackingSize - in_.u8();  // runs off the end
      case 4: return 0x300000 + in_.u32();                     // no RAM there
      default: {
        const std::uint64_t a = in_.u64();
        const bool in_rings = (a < ctrl_ring_->data_begin()) ||
                              (a >= kCursorRange && a < cursor_ring_->data_begin());
        return in_rings ? kBackingBase : a;
      }
    }
  }

  void move_bar() {
    const std::uint8_t sel = in_.u8();
    const std::uint64_t size = config_.hostmem_size;
    std::uint64_t base = gpu_encoding::kBarBase + (sel % 8) * size;
    if (sel >= 0xe0) base = (std::uint64_t{in_.u16()} << 32) & ~(size - 1);  // far away
    set_base(base);
  }

  void reset_and_activate() {
    gpu_->reset();
    activated_ = false;
    FUZZ_CHECK(mapper_.live.empty(), "a slot stayed mapped after reset()");
    FUZZ_CHECK(gpu_->resource_count() == 0, "resources survived reset()");
    if (in_.u8() & 3) {
      activate(features_from(in_.u8()));
      activated_ = true;
    }
  }

  void misc() {
    switch (in_.u8() % 7) {
      case 0: {
        std::uint8_t bytes[16];
        const std::uint64_t offset = in_.u8() % 20;
        const std::size_t len = 1 + in_.u8() % 8;
        gpu_->read_config(offset, std::span(bytes, std::min<std::size_t>(len, sizeof bytes)));
        break;
      }
      case 1: {
        const std::uint8_t value[4] = {in_.u8(), in_.u8(), in_.u8(), in_.u8()};
        const std::uint64_t offset = in_.u8() % 20;
        gpu_->write_config(offset, std::span(value, 1 + in_.u8() % 4));
        break;
      }
      case 2: gpu_->notify_display_change(); break;
      case 3: mapper_.refuse_next_map = "refused by the fuzzer"; break;
      case 4: {
        const std::uint32_t id = in_.u8() % 8;
        const auto bytes = in_.bytes(32);
        const std::uint64_t offset = std::uint64_t{in_.u16()} << 4;
        gpu_->write_blob_bytes(id, offset, bytes);
        if (auto fnv = gpu_->blob_fnv1a32(id)) (void)*fnv;
        break;
      }
      case 5: gpu_->notify_queue(static_cast<std::uint16_t>(2 + in_.u8())); break;
      default: {
        const auto stats = gpu_->stats();
        FUZZ_CHECK(stats.errors <= stats.commands, "more errors than commands");
        (void)gpu_->scanout();
        break;
      }
    }
  }

  void check_state() {
    FUZZ_CHECK(gpu_->resource_count() <= limits::kMaxResources, "resource_count() over the limit");
    const std::uint64_t size = config_.hostmem_size;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
    for (const auto& [slot, request] : mapper_.live) {
      FUZZ_CHECK(base_.has_value(), "a slot was mapped before the region had an address");
      FUZZ_CHECK(request.size > 0 && request.size % kPageSize == 0 &&
                     request.guest_addr % kPageSize == 0,
                 "slot is empty or not page-aligned");
      FUZZ_CHECK(request.host_addr != nullptr, "slot without host memory");
      FUZZ_CHECK(request.guest_addr >= *base_ && request.guest_addr - *base_ <= size &&
                     request.size <= size - (request.guest_addr - *base_),
                 "slot " + std::to_string(slot) + " lies outside the host-visible region");
      ranges.emplace_back(request.guest_addr, request.guest_addr + request.size);
    }
    std::sort(ranges.begin(), ranges.end());
    for (std::size_t i = 1; i < ranges.size(); ++i)
      FUZZ_CHECK(ranges[i - 1].second <= ranges[i].first, "two live slots overlap");
    if (config_.mapping == BlobMappingMode::Fixed) {
      FUZZ_CHECK(mapper_.live.size() <= 1, "fixed mode holds more than the region slot");
      for (const auto& [slot, request] : mapper_.live)
        FUZZ_CHECK(request.guest_addr == *base_ && request.size == size,
                   "fixed mode's slot is not the whole region");
    }
  }

  ByteReader& in_;
  const bool trace_ = std::getenv("VMM_FUZZ_TRACE") != nullptr;  // print each command's answer
  GuestMemory memory_ = gpu_encoding::guest_memory();
  FakeMemoryMapper mapper_;
  CountingInterrupt interrupt_;
  VirtioGpuConfig config_;
  std::optional<std::uint64_t> base_;
  bool activated_ = true;
  std::unique_ptr<FakeDriverRing> ctrl_ring_, cursor_ring_;
  std::unique_ptr<Virtqueue> ctrl_queue_, cursor_queue_;
  std::unique_ptr<VirtioGpu> gpu_;  // last: destroyed first
};

}  // namespace
}  // namespace vmm::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  vmm::fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  vmm::fuzz::ByteReader in(data, size);
  vmm::fuzz::GpuHarness harness(in);
  harness.run();
  return 0;
}
