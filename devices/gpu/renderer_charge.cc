#include "devices/gpu/renderer_charge.h"

#include <algorithm>
#include <limits>

namespace vmm::gpu {

namespace {

constexpr std::uint64_t kSaturated = std::numeric_limits<std::uint64_t>::max();

std::uint64_t times(std::uint64_t a, std::uint64_t b) {
  std::uint64_t product = 0;
  return __builtin_mul_overflow(a, b, &product) ? kSaturated : product;
}

std::uint64_t plus(std::uint64_t a, std::uint64_t b) {
  return b > kSaturated - a ? kSaturated : a + b;
}

// virgl_protocol.h: command numbers and PIPE_RESOURCE_CREATE's payload (VIRGL_PIPE_RES_CREATE_*).
constexpr std::uint32_t kCcmdCreateObject = 1;
constexpr std::uint32_t kCcmdCreateSubCtx = 29;
constexpr std::uint32_t kCcmdPipeResourceCreate = 48;
constexpr std::uint32_t kPipeResourceCreateLength = 11;
enum PipeResourceField : std::uint32_t {
  kTarget = 1, kFormat, kBind, kWidth, kHeight, kDepth, kArraySize, kLastLevel, kNrSamples,
  kFlags, kBlobId,
};
constexpr std::uint32_t kPipeBuffer = 0;  // pipe_texture_target

}  // namespace

std::uint64_t renderer_resource_bytes(const ResourceShape& s) {
  if (s.target == kPipeBuffer) return s.width;
  std::uint64_t texels = s.width;
  for (std::uint32_t n : {s.height, s.depth, s.array_size, s.nr_samples})
    texels = times(texels, std::max(n, 1u));
  return times(times(texels, 16), s.last_level > 0 ? 2 : 1);
}

std::variant<VirglStreamCharge, std::string> scan_virgl_stream(std::span<const std::uint32_t> words) {
  VirglStreamCharge charge;
  std::uint32_t resource_creates = 0;
  for (std::size_t at = 0; at < words.size();) {
    const std::uint32_t header = words[at];
    const std::uint32_t command = header & 0xff;
    const std::size_t length = header >> 16;
    if (length > words.size() - at - 1)
      return "command " + std::to_string(command) + " at dword " + std::to_string(at) + " claims " +
             std::to_string(length) + " dwords, past the stream's end";
    const std::uint32_t* payload = &words[at];  // payload[1] is the first field
    if (command == kCcmdPipeResourceCreate) {
      if (length != kPipeResourceCreateLength)
        return "PIPE_RESOURCE_CREATE at dword " + std::to_string(at) + " has " +
               std::to_string(length) + " dwords, not 11";
      if (++resource_creates > kMaxStreamResourceCreates)
        return "more than " + std::to_string(kMaxStreamResourceCreates) +
               " PIPE_RESOURCE_CREATE in one stream";
      const ResourceShape shape{payload[kTarget],    payload[kWidth],     payload[kHeight],
                                payload[kDepth],     payload[kArraySize], payload[kLastLevel],
                                payload[kNrSamples]};
      const std::uint64_t bytes = renderer_resource_bytes(shape);
      charge.resources.push_back({payload[kBlobId], bytes});
      charge.bytes = plus(charge.bytes, bytes);
    } else if (command == kCcmdCreateObject || command == kCcmdCreateSubCtx) {
      if (++charge.object_creates > kMaxStreamObjectCreates)
        return "more than " + std::to_string(kMaxStreamObjectCreates) + " object creates in one stream";
    }
    at += 1 + length;
  }
  return charge;
}

}  // namespace vmm::gpu
