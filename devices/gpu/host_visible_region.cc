#include "devices/gpu/host_visible_region.h"

#include <spdlog/spdlog.h>

#include <cstring>
#include <optional>
#include <system_error>

#include "base/guest_log.h"
#include "base/format.h"
#include "base/page.h"

namespace vmm::gpu {

namespace {

HostVisibleRegion::Result bad_request(std::string error) {
  return {HostVisibleRegion::Status::BadRequest, std::move(error)};
}

HostVisibleRegion::Result host_failure(std::string error) {
  return {HostVisibleRegion::Status::HostFailure, std::move(error)};
}

}  // namespace

HostVisibleRegion::HostVisibleRegion(MemoryMapper& mapper, std::uint64_t size,
                                     BlobMappingMode mode, MemCacheType region_cache_type)
    : mapper_(mapper), size_(size), mode_(mode), region_cache_type_(region_cache_type) {}

HostVisibleRegion::~HostVisibleRegion() { unmap_all(); }

void HostVisibleRegion::set_base(std::uint64_t guest_addr) {
  if (base_ == guest_addr) return;
  base_ = guest_addr;
  auto move = [&](std::uint32_t slot, std::uint64_t to, const std::string& what) {
    if (auto result = mapper_.move(slot, to); !result)
      VMM_GUEST_LOG(spdlog::level::warn, "virtio-gpu: cannot move {} to {}: {}", what, hex(to), result.error);
  };
  if (region_slot_) move(*region_slot_, guest_addr, "the host-visible region");
  for (const auto& [id, mapping] : by_resource_)
    if (mapping.slot)
      move(*mapping.slot, guest_addr + mapping.offset, "gpu-blob " + std::to_string(id));
}

HostVisibleRegion::Result HostVisibleRegion::check_range(std::uint64_t offset,
                                                         std::uint64_t size) const {
  if (offset % kPageSize != 0) return bad_request("offset " + hex(offset) + " is not page-aligned");
  if (size == 0 || offset > size_ || size > size_ - offset)
    return bad_request("blob of " + hex(size) + " bytes at offset " + hex(offset) +
                       " does not fit the " + hex(size_) + "-byte region");
  auto overlaps = [&](std::uint32_t id) {
    const Placement& m = by_resource_.at(id);
    return offset < m.offset + m.size && m.offset < offset + size;
  };
  // Only the last mapping starting below `offset` and the first starting at or after it can
  // share a byte with [offset, offset + size).
  std::optional<std::uint32_t> hit;
  auto next = by_offset_.lower_bound(offset);
  if (next != by_offset_.end() && overlaps(next->second)) hit = next->second;
  if (!hit && next != by_offset_.begin() && overlaps(std::prev(next)->second))
    hit = std::prev(next)->second;
  if (hit) {
    const Placement& m = by_resource_.at(*hit);
    return bad_request("offset " + hex(offset) + "+" + hex(size) + " overlaps gpu-blob " +
                       std::to_string(*hit) + " at " + hex(m.offset) + "+" + hex(m.size));
  }
  return {};
}

HostVisibleRegion::Result HostVisibleRegion::map(std::uint32_t resource_id, std::uint64_t offset,
                                                 const BlobMemory& blob,
                                                 MemCacheType cache_type,
                                                 std::optional<CacheTypeReason> reason) {
  if (is_mapped(resource_id))
    return bad_request("resource " + std::to_string(resource_id) + " is already mapped");
  if (auto checked = check_range(offset, blob.size); !checked.ok()) return checked;
  if (!base_) return host_failure("the host-visible region has no guest address yet");
  // KVM maps whole host pages: memory that starts or ends mid-page cannot be a memslot.
  if (reinterpret_cast<std::uintptr_t>(blob.data) % kPageSize != 0 || blob.size % kPageSize != 0)
    return host_failure("gpu-blob " + std::to_string(resource_id) + "'s host memory at " +
                        hex(reinterpret_cast<std::uintptr_t>(blob.data)) + "+" + hex(blob.size) +
                        " is not whole pages");
  return mode_ == BlobMappingMode::PerBlob
             ? map_per_blob(resource_id, offset, blob, cache_type, std::move(reason))
             : map_fixed(resource_id, offset, blob, cache_type, std::move(reason));
}

HostVisibleRegion::Result HostVisibleRegion::map_per_blob(std::uint32_t resource_id,
                                                          std::uint64_t offset,
                                                          const BlobMemory& blob,
                                                          MemCacheType cache_type,
                                                          std::optional<CacheTypeReason> reason) {
  MemslotRequest request;
  request.guest_addr = *base_ + offset;
  request.size = blob.size;
  request.host_addr = blob.data;
  if (blob.fd >= 0) request.backing = FileBacking{blob.fd, 0};
  request.owner = "gpu-blob " + std::to_string(resource_id);
  request.cache_type = cache_type;
  request.cache_reason = std::move(reason);
  MemslotResult result = mapper_.map(request, blob.owner);
  if (!result) return host_failure(result.error);
  by_resource_[resource_id] = {offset, blob.size, result.slot};
  by_offset_[offset] = resource_id;
  return {};
}

HostVisibleRegion::Result HostVisibleRegion::ensure_region_slot() {
  if (region_slot_) return {};
  if (!reservation_) {
    try {
      reservation_ = std::make_shared<Mapping>(Mapping::anonymous(size_, "the gpu host-visible region"));
    } catch (const std::system_error& e) {
      return host_failure(e.what());
    }
  }
  MemslotRequest request;
  request.guest_addr = *base_;
  request.size = size_;
  request.host_addr = reservation_->data();
  request.owner = "gpu-hostmem";
  request.cache_type = region_cache_type_;
  MemslotResult result = mapper_.map(request, reservation_);
  if (!result) return host_failure(result.error);
  region_slot_ = result.slot;
  return {};
}

HostVisibleRegion::Result HostVisibleRegion::map_fixed(std::uint32_t resource_id,
                                                       std::uint64_t offset,
                                                       const BlobMemory& blob,
                                                       MemCacheType cache_type,
                                                       std::optional<CacheTypeReason> reason) {
  if (blob.fd < 0)
    return host_failure("gpu-blob " + std::to_string(resource_id) +
                        " has no fd, and the fixed mapping mode maps blobs by fd");
  if (auto ready = ensure_region_slot(); !ready.ok()) return ready;
  if (cache_type != region_cache_type_) {
    // One slot cannot give one blob another memory type: refuse, as crosvm does, and say so
    // where the user looks (trace, report), not only in the guest's error answer.
    const std::string why = "gpu-blob " + std::to_string(resource_id) + " asks for " +
                            std::string(to_string(cache_type)) + ", but the fixed region's slot is " +
                            std::string(to_string(region_cache_type_));
    MemslotRequest request;
    request.guest_addr = *base_ + offset;
    request.size = blob.size;
    request.host_addr = blob.data;
    request.owner = "gpu-blob " + std::to_string(resource_id);
    request.cache_type = cache_type;
    request.cache_reason = std::move(reason);
    mapper_.refused(request, *region_slot_, why);
    return bad_request(why);
  }
  if (int error = reservation_->replace_with_file(offset, blob.size, blob.fd); error != 0) {
    // A failed MAP_FIXED may have left a hole; put zeros back so the slot stays backed.
    reservation_->replace_with_zeros(offset, blob.size);
    return host_failure("cannot map gpu-blob " + std::to_string(resource_id) +
                        " into the host-visible reservation: " + std::strerror(error));
  }
  by_resource_[resource_id] = {offset, blob.size, std::nullopt};
  by_offset_[offset] = resource_id;
  return {};
}

HostVisibleRegion::Result HostVisibleRegion::unmap(std::uint32_t resource_id) {
  auto it = by_resource_.find(resource_id);
  if (it == by_resource_.end())
    return bad_request("resource " + std::to_string(resource_id) + " is not mapped");
  const Placement m = it->second;
  by_resource_.erase(it);
  by_offset_.erase(m.offset);
  if (m.slot) {
    // Refused: the slot keeps the blob's lease, so its memory outlives this mapping.
    if (MemslotResult result = mapper_.unmap(*m.slot); !result) return host_failure(result.error);
  } else if (int error = reservation_->replace_with_zeros(m.offset, m.size); error != 0) {
    // The reservation's own MAP_SHARED mapping keeps the memfd's pages alive; the guest just
    // goes on seeing the blob there until another map replaces the range.
    return host_failure("cannot clear " + hex(m.offset) + "+" + hex(m.size) +
                        " of the host-visible reservation: " + std::strerror(error));
  }
  return {};
}

void HostVisibleRegion::unmap_all() {
  while (!by_resource_.empty()) {
    const std::uint32_t id = by_resource_.begin()->first;
    if (auto result = unmap(id); !result.ok())
      VMM_GUEST_LOG(spdlog::level::warn, "virtio-gpu: unmapping gpu-blob {}: {}", id, result.error);
  }
  if (region_slot_) {
    // Refused: the hypervisor still maps the reservation (the slot holds it too). Keep both,
    // so that the next map reuses the slot rather than asking for one that would overlap it.
    if (MemslotResult result = mapper_.unmap(*region_slot_); !result) {
      VMM_GUEST_LOG(spdlog::level::warn, "virtio-gpu: cannot remove the host-visible region's memslot: {}",
                   result.error);
      return;
    }
    region_slot_.reset();
  }
  reservation_.reset();
}

}  // namespace vmm::gpu
