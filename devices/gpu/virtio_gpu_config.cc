#include "devices/gpu/virtio_gpu_config.h"

#include <algorithm>
#include <cctype>

#include "devices/gpu/virtio_gpu_protocol.h"

namespace vmm {

namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

std::string_view to_string(BlobCacheMode mode) {
  switch (mode) {
    case BlobCacheMode::Wc:
      return "wc";
    case BlobCacheMode::Cached:
      return "cached";
    case BlobCacheMode::Uncached:
      return "uncached";
  }
  return "?";
}

std::string_view to_string(BlobMappingMode mode) {
  switch (mode) {
    case BlobMappingMode::PerBlob:
      return "per-blob";
    case BlobMappingMode::Fixed:
      return "fixed";
  }
  return "?";
}

std::optional<BlobCacheMode> parse_blob_cache_mode(std::string_view name) {
  for (auto mode : {BlobCacheMode::Wc, BlobCacheMode::Cached, BlobCacheMode::Uncached})
    if (equals_ignoring_case(name, to_string(mode))) return mode;
  return std::nullopt;
}

std::optional<BlobMappingMode> parse_blob_mapping_mode(std::string_view name) {
  for (auto mode : {BlobMappingMode::PerBlob, BlobMappingMode::Fixed})
    if (equals_ignoring_case(name, to_string(mode))) return mode;
  return std::nullopt;
}

std::uint32_t map_info_for(BlobCacheMode mode) {
  switch (mode) {
    case BlobCacheMode::Wc:
      return gpu::kMapCacheWc;
    case BlobCacheMode::Cached:
      return gpu::kMapCacheCached;
    case BlobCacheMode::Uncached:
      return gpu::kMapCacheUncached;
  }
  return gpu::kMapCacheWc;
}

MemCacheType cache_type_for_map_info(std::uint32_t map_info) {
  return (map_info & gpu::kMapCacheMask) == gpu::kMapCacheCached
             ? MemCacheType::CacheCoherent
             : MemCacheType::CacheNonCoherent;
}

std::string_view to_string(MemslotCacheOverride mode) {
  switch (mode) {
    case MemslotCacheOverride::Auto:
      return "auto";
    case MemslotCacheOverride::Coherent:
      return "coherent";
    case MemslotCacheOverride::NonCoherent:
      return "noncoherent";
  }
  return "auto";
}

std::optional<MemslotCacheOverride> parse_memslot_cache_override(std::string_view name) {
  for (auto mode : {MemslotCacheOverride::Auto, MemslotCacheOverride::Coherent,
                    MemslotCacheOverride::NonCoherent})
    if (name == to_string(mode)) return mode;
  return std::nullopt;
}

MemCacheType blob_memslot_cache_type(MemslotCacheOverride override, std::uint32_t map_info) {
  switch (override) {
    case MemslotCacheOverride::Coherent:
      return MemCacheType::CacheCoherent;
    case MemslotCacheOverride::NonCoherent:
      return MemCacheType::CacheNonCoherent;
    case MemslotCacheOverride::Auto:
      break;
  }
  return cache_type_for_map_info(map_info);
}

std::optional<std::string> validate(const VirtioGpuConfig& config) {
  const std::uint64_t size = config.hostmem_size;
  if (size < 4096 || (size & (size - 1)) != 0)
    return "gpu host-visible region size " + std::to_string(size) +
           " must be a power of two of at least 4096 bytes";
  if (config.width == 0 || config.height == 0 ||
      config.width > VirtioGpuConfig::kMaxDisplayDimension ||
      config.height > VirtioGpuConfig::kMaxDisplayDimension)
    return "gpu display size " + std::to_string(config.width) + "x" +
           std::to_string(config.height) + " must be between 1x1 and " +
           std::to_string(VirtioGpuConfig::kMaxDisplayDimension) + "x" +
           std::to_string(VirtioGpuConfig::kMaxDisplayDimension);
  return std::nullopt;
}

}  // namespace vmm
