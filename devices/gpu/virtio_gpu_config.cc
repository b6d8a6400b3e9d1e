#include "devices/gpu/virtio_gpu_config.h"

#include <cstdio>

#include "devices/gpu/virtio_gpu_protocol.h"

namespace vmm {

std::string_view to_string(BlobCacheMode mode) { return kBlobCacheModeNames.name(mode); }
std::string_view to_string(BlobMappingMode mode) { return kBlobMappingModeNames.name(mode); }
std::string_view to_string(MemslotCacheOverride mode) { return kMemslotCacheOverrideNames.name(mode); }

std::optional<BlobCacheMode> parse_blob_cache_mode(std::string_view name) {
  return kBlobCacheModeNames.parse(name);
}

std::optional<BlobMappingMode> parse_blob_mapping_mode(std::string_view name) {
  return kBlobMappingModeNames.parse(name);
}

std::optional<MemslotCacheOverride> parse_memslot_cache_override(std::string_view name) {
  return kMemslotCacheOverrideNames.parse(name);
}

std::uint32_t map_info_for(BlobCacheMode mode) {
  switch (mode) {
    case BlobCacheMode::Auto:
    case BlobCacheMode::Wc:
      return gpu::kMapCacheWc;
    case BlobCacheMode::Cached:
      return gpu::kMapCacheCached;
    case BlobCacheMode::Uncached:
      return gpu::kMapCacheUncached;
  }
  return gpu::kMapCacheWc;
}

std::string map_info_name(std::uint32_t map_info) {
  switch (map_info & gpu::kMapCacheMask) {
    case gpu::kMapCacheNone:
      return "NONE";
    case gpu::kMapCacheCached:
      return "CACHED";
    case gpu::kMapCacheUncached:
      return "UNCACHED";
    case gpu::kMapCacheWc:
      return "WC";
  }
  char text[16];
  std::snprintf(text, sizeof(text), "0x%x", map_info & gpu::kMapCacheMask);
  return text;
}

MemCacheType cache_type_for_map_info(std::uint32_t map_info) {
  return (map_info & gpu::kMapCacheMask) == gpu::kMapCacheCached
             ? MemCacheType::CacheCoherent
             : MemCacheType::CacheNonCoherent;
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
  if (config.renderer != RendererKind::None && config.mapping == BlobMappingMode::Fixed)
    return "the fixed blob mapping mode cannot be used with a renderer: it mmaps each blob's "
           "fd into one region, and renderer blobs are mapped memory without an fd";
  if (config.renderer_memory_limit < VirtioGpuConfig::kMinRendererMemoryLimit ||
      config.renderer_memory_limit > VirtioGpuConfig::kMaxRendererMemoryLimit)
    return "gpu renderer memory limit " + std::to_string(config.renderer_memory_limit >> 20) +
           " MiB must be between " + std::to_string(VirtioGpuConfig::kMinRendererMemoryLimit >> 20) +
           " MiB and " + std::to_string(VirtioGpuConfig::kMaxRendererMemoryLimit >> 20) + " MiB";
  return std::nullopt;
}

}  // namespace vmm
