// HostVisibleRegion: the virtio-gpu shared memory region (id 1) where HOST3D blobs are
// mapped for the guest, and the memslots behind it.
//
//   per-blob  each mapped blob is its own memslot at region base + offset, backed by the
//             blob's memory, owner "gpu-blob <id>", with the blob's MemCacheType; the slot
//             holds the blob's lease (BlobMemory::owner) until the hypervisor lets it go.
//   fixed     at the first map the whole region becomes one memslot ("gpu-hostmem",
//             CacheNonCoherent) over an anonymous reservation, which that slot holds as its
//             lease; each blob is mmap'd with MAP_FIXED into the reservation at its offset
//             (the reservation's own shared mapping then keeps its pages), and unmapping puts
//             zeros back.
//
// It checks what the guest asks (offset page-aligned, inside the region, no overlap with a
// live mapping) and follows BAR moves. Not thread-safe: the device serialises calls.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/mapping.h"
#include "devices/gpu/memfd_mapping.h"
#include "devices/gpu/virtio_gpu_config.h"
#include "memory/memory_mapper.h"

namespace vmm::gpu {

class HostVisibleRegion {
 public:
  // What a refused map/unmap maps to on the wire: a guest mistake (INVALID_PARAMETER) or a
  // host-side failure (UNSPEC).
  enum class Status { Ok, BadRequest, HostFailure };
  struct Result {
    Status status = Status::Ok;
    std::string error;  // one line, when not Ok
    bool ok() const { return status == Status::Ok; }
  };

  // `mapper` must outlive the region.
  // `region_cache_type` is what the fixed mode's single region slot is requested with.
  HostVisibleRegion(MemoryMapper& mapper, std::uint64_t size, BlobMappingMode mode,
                    MemCacheType region_cache_type = MemCacheType::CacheNonCoherent);
  ~HostVisibleRegion();  // unmap_all()
  HostVisibleRegion(const HostVisibleRegion&) = delete;
  HostVisibleRegion& operator=(const HostVisibleRegion&) = delete;

  std::uint64_t size() const { return size_; }
  BlobMappingMode mode() const { return mode_; }
  std::optional<std::uint64_t> base() const { return base_; }

  // The region's guest-physical base; moves every live memslot when it changes.
  void set_base(std::uint64_t guest_addr);

  // `reason` goes into the memslot request (trace, report). The fixed mode needs blob.fd.
  // The per-blob slot holds blob.owner while the hypervisor maps it.
  Result map(std::uint32_t resource_id, std::uint64_t offset, const BlobMemory& blob,
             MemCacheType cache_type, std::optional<CacheTypeReason> reason = std::nullopt);
  // Forgets the mapping even when removing it fails: the slot then keeps the blob's lease,
  // so the memory the guest may still reach stays alive without the caller's help.
  Result unmap(std::uint32_t resource_id);
  bool is_mapped(std::uint32_t resource_id) const { return by_resource_.count(resource_id); }
  std::size_t mapping_count() const { return by_resource_.size(); }
  // Removes every blob mapping and, in fixed mode, the region's own memslot; what the
  // hypervisor refuses to remove keeps its lease (see unmap()).
  void unmap_all();

  // Fixed mode: the host view of the whole region once it has its memslot, else nullptr.
  const std::uint8_t* reservation() const { return reservation_ ? reservation_->data() : nullptr; }

 private:
  struct Placement {  // where a mapped blob sits in the region
    std::uint64_t offset;
    std::uint64_t size;
    std::optional<std::uint32_t> slot;  // per-blob mode
  };

  Result check_range(std::uint64_t offset, std::uint64_t size) const;
  Result map_per_blob(std::uint32_t resource_id, std::uint64_t offset, const BlobMemory& blob,
                      MemCacheType cache_type, std::optional<CacheTypeReason> reason);
  Result map_fixed(std::uint32_t resource_id, std::uint64_t offset, const BlobMemory& blob,
                   MemCacheType cache_type, std::optional<CacheTypeReason> reason);
  Result ensure_region_slot();

  MemoryMapper& mapper_;
  std::uint64_t size_;
  BlobMappingMode mode_;
  MemCacheType region_cache_type_;
  std::optional<std::uint64_t> base_;
  std::map<std::uint32_t, Placement> by_resource_;
  // The same mappings by offset (they never overlap): the overlap check looks only at the
  // neighbours of an offset, so mapping stays O(log n) with thousands of live blobs.
  std::map<std::uint64_t, std::uint32_t> by_offset_;
  // Fixed mode, once the first blob is mapped: blobs replace its pages. Shared with the
  // region's memslot, which keeps it if the hypervisor will not let the slot go.
  std::shared_ptr<Mapping> reservation_;
  std::optional<std::uint32_t> region_slot_;  // fixed mode
};

}  // namespace vmm::gpu
