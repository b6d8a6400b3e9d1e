// GpuRequest: the driver-to-device part of one control or cursor queue chain, read as a
// byte stream. Every read is bounded by the chain; a short request reads as a failure.
#pragma once

#include <cstdint>
#include <span>
#include <type_traits>

#include "devices/gpu/virtio_gpu_protocol.h"
#include "devices/virtio/virtqueue.h"
#include "memory/guest_memory.h"

namespace vmm::gpu {

class GpuRequest {
 public:
  GpuRequest(const GuestMemory& memory, const DescriptorChain& chain)
      : memory_(memory), chain_(chain), size_(chain.readable_bytes()) {}

  std::uint64_t size() const { return size_; }

  // True if [offset, offset + out.size()) lies inside the request and was copied.
  bool read_bytes(std::uint64_t offset, std::span<std::uint8_t> out) const {
    if (offset > size_ || out.size() > size_ - offset) return false;
    return read_from_chain(memory_, chain_, offset, out) == out.size();
  }

  // Reads a command struct from the start of the request.
  template <typename T>
  bool read(T& out) const {
    static_assert(std::is_trivially_copyable_v<T>);
    return read_bytes(0, std::span(reinterpret_cast<std::uint8_t*>(&out), sizeof(T)));
  }

 private:
  const GuestMemory& memory_;
  const DescriptorChain& chain_;
  std::uint64_t size_;
};

}  // namespace vmm::gpu
