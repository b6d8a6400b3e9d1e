// How virtio_gpu_fuzz turns input bytes into one virtio-gpu request (decode_request), and
// the inverse used to write its seed corpus (RequestEncoder): shared so the two never
// disagree. With them, what both GPU fuzzers agree on: the guest layout and which
// responses exist. The format is described next to decode_request() in gpu_fuzz_encoding.cc.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "devices/gpu/virtio_gpu_protocol.h"
#include "memory/guest_memory.h"
#include "tests/fuzz/fuzz_support.h"

namespace vmm::fuzz::gpu_encoding {

// Guest-physical layout the fuzzers and their seeds agree on.
inline constexpr std::uint64_t kCtrlRange = 0x00000, kCtrlSize = 0x40000;      // ctrl ring + buffers
inline constexpr std::uint64_t kCursorRange = 0x40000, kCursorSize = 0x10000;  // cursor ring + buffers
inline constexpr std::uint64_t kBackingBase = 0x100000;  // RAM for resources' backing pages
inline constexpr std::uint64_t kBackingSize = 0x100000;
inline constexpr std::uint64_t kBarBase = 0x800000000ull;  // the host-visible region's BAR

// The guest RAM of that layout: both rings with their buffers, and the backing pages.
inline GuestMemory guest_memory() {
  return GuestMemory::from_ranges(
      {{kCtrlRange, kCtrlSize, "ring-ctrl"}, {kCursorRange, kCursorSize, "ring-cursor"}, {kBackingBase, kBackingSize, "backing"}});
}

// Whether `type` is a response virtio-gpu defines (OK_* up to MAP_INFO, ERR_* up to
// INVALID_PARAMETER): both fuzzers hold every answer of the device to it.
// The device's answer echoes a fenced request's flags (FENCE, and INFO_RING_IDX where asked),
// fence_id, ctx_id and ring_idx exactly, and gives an unfenced one a plain header.
inline void check_fence_echo(const gpu::CtrlHdr& hdr, const gpu::CtrlHdr& asked) {
  if (asked.flags & gpu::kFlagFence) {
    const std::uint32_t flags = gpu::kFlagFence | (asked.flags & gpu::kFlagInfoRingIdx);
    FUZZ_CHECK(hdr.flags == flags && hdr.fence_id == asked.fence_id && hdr.ctx_id == asked.ctx_id,
               "a fenced request's flags, fence_id and ctx_id are echoed");
    if (asked.flags & gpu::kFlagInfoRingIdx)
      FUZZ_CHECK(hdr.ring_idx == asked.ring_idx, "ring_idx is echoed with INFO_RING_IDX");
  } else {
    FUZZ_CHECK(hdr.flags == 0 && hdr.fence_id == 0 && hdr.ctx_id == 0 && hdr.ring_idx == 0,
               "an unfenced request gets a plain header");
  }
}

inline bool known_response(std::uint32_t type) {
  return (type >= gpu::resp::kOkNodata && type <= gpu::resp::kOkMapInfo) ||
         (type >= gpu::resp::kErrUnspec && type <= gpu::resp::kErrInvalidParameter);
}

struct Request {
  std::vector<std::uint8_t> bytes;                  // the whole readable stream
  std::vector<std::vector<std::uint8_t>> readable;  // the same, split into buffers
  std::vector<std::uint32_t> writable;              // writable buffer lengths
  std::uint16_t queue = gpu::kControlQueue;
  bool indirect = false;

  gpu::CtrlHdr header() const {
    gpu::CtrlHdr hdr{};
    std::memcpy(&hdr, bytes.data(), std::min(sizeof hdr, bytes.size()));
    return hdr;
  }
};

Request decode_request(ByteReader& in);

// The length of the response a command of `type` is answered with when it succeeds.
std::uint32_t expected_response_length(std::uint32_t type);

// Writes input bytes that decode_request() turns into exactly the command given: every
// value in its raw form, the request whole, in one readable buffer, with a writable buffer
// of the expected size, on the command's own queue.
class RequestEncoder {
 public:
  explicit RequestEncoder(std::vector<std::uint8_t>& out) : out_(out) {}

  struct Entry {
    std::uint64_t addr;
    std::uint32_t length;
  };
  // `fields`: the struct's bytes after the header (padding included), exactly as the wire
  // struct holds them; `entries`: trailing MemEntry for ATTACH_BACKING / CREATE_BLOB.
  void command(std::uint32_t type, const std::vector<std::uint8_t>& fields,
               std::uint32_t flags = 0, std::uint64_t fence_id = 0, std::uint32_t ctx_id = 0,
               const std::vector<Entry>& entries = {});

  // `wire` is the command's struct, or a bare CtrlHdr for a command that is only a header.
  template <typename Wire>
  void command(const Wire& wire, const std::vector<Entry>& entries = {}) {
    std::vector<std::uint8_t> all;
    append(all, wire);
    std::vector<std::uint8_t> fields(all.begin() + sizeof(gpu::CtrlHdr), all.end());
    gpu::CtrlHdr hdr{};
    std::memcpy(&hdr, all.data(), sizeof hdr);
    command(hdr.type, fields, hdr.flags, hdr.fence_id, hdr.ctx_id, entries);
  }

 private:
  void u8(std::uint8_t v) { out_.push_back(v); }
  void raw(std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  std::vector<std::uint8_t>& out_;
};

}  // namespace vmm::fuzz::gpu_encoding
