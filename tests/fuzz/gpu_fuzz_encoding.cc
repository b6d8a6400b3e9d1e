#include "tests/fuzz/gpu_fuzz_encoding.h"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace vmm::fuzz::gpu_encoding {

namespace {

using namespace gpu;

struct Shape {
  std::uint32_t type;
  std::uint32_t size;        // the wire struct, header included
  std::uint16_t queue;
  int nr_entries_offset;     // ATTACH_BACKING, CREATE_BLOB: where nr_entries sits; else -1
  std::array<int, 2> u64s;   // offsets of 64-bit fields after the header (-1: none)
};

constexpr std::uint16_t kCtrl = kControlQueue;
constexpr std::uint16_t kCursor = kCursorQueue;

// Every command this device knows, handled or not, with its wire size.
constexpr Shape kShapes[] = {
    {cmd::kGetDisplayInfo, sizeof(CtrlHdr), kCtrl, -1, {-1, -1}},
    {cmd::kResourceCreate2d, sizeof(ResourceCreate2d), kCtrl, -1, {-1, -1}},
    {cmd::kResourceUnref, sizeof(ResourceIdCmd), kCtrl, -1, {-1, -1}},
    {cmd::kSetScanout, sizeof(SetScanout), kCtrl, -1, {-1, -1}},
    {cmd::kResourceFlush, sizeof(ResourceFlush), kCtrl, -1, {-1, -1}},
    {cmd::kTransferToHost2d, sizeof(TransferToHost2d), kCtrl, -1,
     {offsetof(TransferToHost2d, offset), -1}},
    {cmd::kResourceAttachBacking, sizeof(ResourceAttachBacking), kCtrl,
     offsetof(ResourceAttachBacking, nr_entries), {-1, -1}},
    {cmd::kResourceDetachBacking, sizeof(ResourceIdCmd), kCtrl, -1, {-1, -1}},
    {cmd::kGetCapsetInfo, 32, kCtrl, -1, {-1, -1}},
    {cmd::kGetCapset, 32, kCtrl, -1, {-1, -1}},
    {cmd::kGetEdid, 32, kCtrl, -1, {-1, -1}},
    {cmd::kResourceAssignUuid, 32, kCtrl, -1, {-1, -1}},
    {cmd::kResourceCreateBlob, sizeof(ResourceCreateBlob), kCtrl,
     offsetof(ResourceCreateBlob, nr_entries),
     {offsetof(ResourceCreateBlob, blob_id), offsetof(ResourceCreateBlob, size)}},
    {cmd::kSetScanoutBlob, 96, kCtrl, -1, {-1, -1}},
    {cmd::kCtxCreate, sizeof(CtxCreate), kCtrl, -1, {-1, -1}},
    {cmd::kCtxDestroy, sizeof(CtrlHdr), kCtrl, -1, {-1, -1}},
    {cmd::kCtxAttachResource, sizeof(ResourceIdCmd), kCtrl, -1, {-1, -1}},
    {cmd::kCtxDetachResource, sizeof(ResourceIdCmd), kCtrl, -1, {-1, -1}},
    {cmd::kResourceCreate3d, 72, kCtrl, -1, {-1, -1}},
    {cmd::kSubmit3d, sizeof(CmdSubmit), kCtrl, -1, {-1, -1}},
    {cmd::kResourceMapBlob, sizeof(ResourceMapBlob), kCtrl, -1,
     {offsetof(ResourceMapBlob, offset), -1}},
    {cmd::kResourceUnmapBlob, sizeof(ResourceIdCmd), kCtrl, -1, {-1, -1}},
    {cmd::kUpdateCursor, sizeof(UpdateCursor), kCursor, -1, {-1, -1}},
    {cmd::kMoveCursor, sizeof(UpdateCursor), kCursor, -1, {-1, -1}},
};
constexpr std::size_t kShapeCount = std::size(kShapes);
// Selector bytes from here on send an arbitrary type with a 32-byte struct.
constexpr std::uint8_t kRawTypeSelector = 0xf8;

const Shape* shape_of(std::uint32_t type) {
  for (const Shape& s : kShapes)
    if (s.type == type) return &s;
  return nullptr;
}

// A 32-bit field: mostly ids and small numbers, dimensions, page counts.
std::uint32_t word(ByteReader& in) {
  const std::uint8_t sel = in.u8();
  switch (sel % 8) {
    case 0: case 1: case 2: case 3: return in.u8() % 8;
    case 4: return in.u8();
    case 5: return std::uint32_t{in.u8()} << 4;
    case 6: return in.u16();
    default: return in.u32();
  }
}
constexpr std::uint8_t kRawWord = 7;

// A 64-bit field: offsets and sizes in pages, or anything.
std::uint64_t value64(ByteReader& in) {
  switch (in.u8() % 4) {
    case 0: return std::uint64_t{in.u8() % 16u} << 12;
    case 1: return std::uint64_t{in.u8()} << 12;
    case 2: return std::uint64_t{in.u16()} << 12;
    default: return in.u64();
  }
}
constexpr std::uint8_t kRaw64 = 3;

std::uint64_t entry_addr(ByteReader& in) {
  if (in.u8() % 4 != 3) return kBackingBase + (std::uint64_t{in.u8()} << 12) % kBackingSize;
  return in.u64();
}
std::uint32_t entry_len(ByteReader& in) {
  if (in.u8() % 4 != 3) return (1u + in.u8() % 16u) << 12;
  return in.u32();
}

void put32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
  std::memcpy(b.data() + at, &v, sizeof v);
}
void put64(std::vector<std::uint8_t>& b, std::size_t at, std::uint64_t v) {
  std::memcpy(b.data() + at, &v, sizeof v);
}

}  // namespace

std::uint32_t expected_response_length(std::uint32_t type) {
  if (type == cmd::kGetDisplayInfo) return sizeof(RespDisplayInfo);
  if (type == cmd::kResourceMapBlob) return sizeof(RespMapInfo);
  return sizeof(CtrlHdr);
}

// The format, in input order:
//   selector  u8: kShapes[sel % count]; from 0xf8: any type (u32 follows), 32-byte struct
//   flags     u8: bit 0 FENCE, bit 1 INFO_RING_IDX; 0xfc..0xff: a raw u32 follows instead
//   fence_id  u32, only when FENCE;  ring_idx u8, only when INFO_RING_IDX
//   ctx_id    word
//   fields    per 32-bit field after the header a word, per 64-bit field a value64
//   entries   ATTACH_BACKING/CREATE_BLOB only: count u8 (% 5); u8 (% 8 == 0: nr_entries is
//             a word, else the count); then count x (entry_addr, entry_len)
//   length    u8: % 8 == 0 cut to u8 % length bytes, == 1 pad with u8 % 32 zeros, else whole
//   split     u8: 1 + % 3 readable buffers, each further cut a u16 % (length + 1)
//   writable  u8: % 8 == 0 none, == 1 u8 % expected, == 2 expected + u8, else expected;
//             bit 7: two buffers, cut at u16 % (length + 1)
//   queue     u8: % 16 == 0 the other queue; bit 4 indirect
Request decode_request(ByteReader& in) {
  const std::uint8_t sel = in.u8();
  Shape shape = kShapes[sel % kShapeCount];
  if (sel >= kRawTypeSelector) shape = {in.u32(), 32, kCtrl, -1, {-1, -1}};

  std::vector<std::uint8_t> b(shape.size, 0);
  CtrlHdr hdr{};
  hdr.type = shape.type;
  const std::uint8_t f = in.u8();
  hdr.flags = f >= 0xfc ? in.u32() : (f & (kFlagFence | kFlagInfoRingIdx));
  if (hdr.flags & kFlagFence) hdr.fence_id = in.u32();
  if (hdr.flags & kFlagInfoRingIdx) hdr.ring_idx = in.u8();
  hdr.ctx_id = word(in);
  std::memcpy(b.data(), &hdr, sizeof hdr);

  for (std::size_t at = sizeof(CtrlHdr); at + 4 <= b.size();) {
    if (static_cast<int>(at) == shape.u64s[0] || static_cast<int>(at) == shape.u64s[1]) {
      put64(b, at, value64(in));
      at += 8;
    } else {
      put32(b, at, word(in));
      at += 4;
    }
  }
  if (shape.nr_entries_offset >= 0) {
    const unsigned count = in.u8() % 5;
    const bool mismatch = in.u8() % 8 == 0;
    put32(b, shape.nr_entries_offset, mismatch ? word(in) : count);
    for (unsigned i = 0; i < count; ++i) {
      MemEntry e{};
      e.addr = entry_addr(in);
      e.length = entry_len(in);
      append(b, e);
    }
  }

  const std::uint8_t length_mode = in.u8();
  if (length_mode % 8 == 0) b.resize(in.u8() % (b.size() + 1));
  else if (length_mode % 8 == 1) b.resize(b.size() + in.u8() % 32, 0);

  Request r;
  r.bytes = b;
  const unsigned pieces = 1 + in.u8() % 3;
  std::vector<std::size_t> cuts{0, b.size()};
  for (unsigned i = 1; i < pieces; ++i) cuts.push_back(in.u16() % (b.size() + 1));
  std::sort(cuts.begin(), cuts.end());
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i)
    r.readable.emplace_back(b.begin() + static_cast<std::ptrdiff_t>(cuts[i]),
                            b.begin() + static_cast<std::ptrdiff_t>(cuts[i + 1]));

  const std::uint32_t expected = expected_response_length(shape.type);
  const std::uint8_t w = in.u8();
  std::uint32_t len = expected;
  if (w % 8 == 0) len = 0;
  else if (w % 8 == 1) len = in.u8() % expected;
  else if (w % 8 == 2) len = expected + in.u8();
  if (len > 0 && (w & 0x80)) {
    const std::uint32_t cut = in.u16() % (len + 1);
    r.writable = {cut, len - cut};
  } else if (len > 0) {
    r.writable = {len};
  }

  const std::uint8_t q = in.u8();
  r.queue = shape.queue;
  if (q % 16 == 0) r.queue = shape.queue == kCtrl ? kCursor : kCtrl;
  r.indirect = (q & 0x10) != 0;
  return r;
}

void RequestEncoder::command(std::uint32_t type, const std::vector<std::uint8_t>& fields,
                             std::uint32_t flags, std::uint64_t fence_id, std::uint32_t ctx_id,
                             const std::vector<Entry>& entries) {
  const Shape* shape = shape_of(type);
  if (shape == nullptr || sizeof(CtrlHdr) + fields.size() != shape->size)
    throw std::invalid_argument("RequestEncoder: unknown type or wrong field size");
  u8(static_cast<std::uint8_t>(shape - kShapes));
  if (flags & ~(kFlagFence | kFlagInfoRingIdx)) {
    u8(0xff);
    raw(flags, 4);
  } else {
    u8(static_cast<std::uint8_t>(flags));
  }
  if (flags & kFlagFence) raw(fence_id, 4);
  if (flags & kFlagInfoRingIdx) u8(0);
  u8(kRawWord);
  raw(ctx_id, 4);
  std::vector<std::uint8_t> all(sizeof(CtrlHdr), 0);
  all.insert(all.end(), fields.begin(), fields.end());
  for (std::size_t at = sizeof(CtrlHdr); at + 4 <= all.size();) {
    if (static_cast<int>(at) == shape->u64s[0] || static_cast<int>(at) == shape->u64s[1]) {
      std::uint64_t v;
      std::memcpy(&v, all.data() + at, sizeof v);
      u8(kRaw64);
      raw(v, 8);
      at += 8;
    } else {
      std::uint32_t v;
      std::memcpy(&v, all.data() + at, sizeof v);
      u8(kRawWord);
      raw(v, 4);
      at += 4;
    }
  }
  if (shape->nr_entries_offset >= 0) {
    u8(static_cast<std::uint8_t>(entries.size()));  // fewer than 5
    u8(1);                                          // nr_entries = count
    for (const Entry& e : entries) {
      u8(3);
      raw(e.addr, 8);
      u8(3);
      raw(e.length, 4);
    }
  }
  u8(2);  // whole request
  u8(0);  // one readable buffer
  u8(3);  // writable: the expected length, one buffer
  u8(1);  // own queue, direct
}

}  // namespace vmm::fuzz::gpu_encoding
