// BackingStore: the guest pages behind a 2D resource or a guest blob (ATTACH_BACKING and
// CREATE_BLOB entries), as one byte stream. Each entry is checked to lie inside one guest
// RAM range when the store is built; reads go through GuestMemory again, so nothing here
// can touch memory outside guest RAM.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <sys/uio.h>

#include "devices/gpu/virtio_gpu_protocol.h"
#include "memory/guest_memory.h"

namespace vmm::gpu {

class BackingStore {
 public:
  // Fails with one line naming the first entry that is not in guest RAM.
  static std::optional<BackingStore> build(const GuestMemory& memory,
                                           std::span<const MemEntry> entries,
                                           std::string* error);

  std::uint64_t size() const { return size_; }
  std::size_t entry_count() const { return entries_.size(); }

  // Copies [offset, offset + out.size()) of the stream into `out`; false, with nothing
  // promised about `out`, when the range runs past the end.
  bool read(const GuestMemory& memory, std::uint64_t offset, std::span<std::uint8_t> out) const;

  // Host views of the entries, in order, for a renderer that reads and writes them itself.
  // Guest RAM stays mapped for the VM's lifetime, so the views outlive any resource.
  std::vector<iovec> host_pages(const GuestMemory& memory) const;

 private:
  struct Entry {
    std::uint64_t addr;
    std::uint32_t length;
    std::uint64_t start;  // offset of this entry in the stream
  };
  std::vector<Entry> entries_;
  std::uint64_t size_ = 0;
};

}  // namespace vmm::gpu
