// GpuReply: a virtio-gpu response as the device's handlers give it, typed, and the one
// place it is turned into the bytes the guest reads (virtio 1.2 §5.7.6.7): the response
// header, with the fence fields of a fenced request echoed back, then the type's own fields.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "devices/gpu/virtio_gpu_protocol.h"

namespace vmm::gpu {

struct GpuReply {
  std::uint32_t type = resp::kOkNodata;
  std::vector<std::uint8_t> body;  // the fields after the header, when the type has any

  // A response whose wire struct is `Wire` (a CtrlHdr, then its fields).
  template <class Wire>
  static GpuReply of(std::uint32_t type, const Wire& wire) {
    static_assert(sizeof(Wire) >= sizeof(CtrlHdr));
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(&wire);
    return {type, {bytes + sizeof(CtrlHdr), bytes + sizeof(Wire)}};
  }
  // OK_MAP_INFO, RESOURCE_MAP_BLOB's answer, whichever backend mapped the blob.
  static GpuReply map_info(std::uint32_t map_info) {
    RespMapInfo info{};
    info.map_info = map_info;
    return of(resp::kOkMapInfo, info);
  }

  // The bytes for the guest, answering a request whose header was `request`.
  std::vector<std::uint8_t> encode(const CtrlHdr& request) const {
    CtrlHdr out{};
    out.type = type;
    if (request.flags & kFlagFence) {
      out.flags = kFlagFence;
      out.fence_id = request.fence_id;
      out.ctx_id = request.ctx_id;
      if (request.flags & kFlagInfoRingIdx) {
        out.flags |= kFlagInfoRingIdx;
        out.ring_idx = request.ring_idx;
      }
    }
    std::vector<std::uint8_t> bytes(sizeof(out) + body.size());
    std::memcpy(bytes.data(), &out, sizeof(out));
    if (!body.empty()) std::memcpy(bytes.data() + sizeof(out), body.data(), body.size());
    return bytes;
  }
};

}  // namespace vmm::gpu
