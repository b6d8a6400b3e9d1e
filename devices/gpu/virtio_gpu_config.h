// VirtioGpuConfig: what the user chose for the virtio-gpu device (--gpu and its options).
//
// `renderer` puts a 3D renderer behind the device (virglrenderer: virgl, venus or both);
// none keeps the renderer-less device, whose host-memory blobs are plain memfds.
//
// Two choices concern memory types. `blob_cache` is the map_info the device reports for
// host-memory (HOST3D) blobs, and so the type the guest maps them with. auto (the default):
// what the renderer reports for each blob; without a renderer, wc (as a GPU driver would);
// when the renderer reports nothing (virglrenderer cannot infer a caching type for llvmpipe
// or an unknown GPU vendor), cached, since a software renderer's buffers are ordinary host
// memory. wc, cached, uncached: that value for every blob, overriding the renderer. Every
// blob whose map_info is not `cached` is mapped into the guest with
// MemCacheType::CacheNonCoherent. `mapping` says how blobs enter the
// host-visible region: per-blob (one memslot per mapped blob, the default) or fixed (like
// crosvm's fixed blob mapping: the whole region is one memslot and blobs are mmap'd into it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/enum_names.h"
#include "devices/gpu/renderer/renderer_kind.h"
#include "memory/mem_cache_type.h"

namespace vmm {

enum class BlobCacheMode { Auto, Wc, Cached, Uncached };
enum class BlobMappingMode { PerBlob, Fixed };
// --gpu-memslot-cache: `auto` derives each blob slot's MemCacheType from its map_info (the
// right thing); `coherent` / `noncoherent` force it, to reproduce bugs on purpose — e.g.
// `coherent` with the default wc blobs is the classic "guest maps WC, KVM forces WB" case.
enum class MemslotCacheOverride { Auto, Coherent, NonCoherent };

inline constexpr EnumNames<BlobCacheMode, 4> kBlobCacheModeNames({{
    {BlobCacheMode::Auto, "auto"}, {BlobCacheMode::Wc, "wc"}, {BlobCacheMode::Cached, "cached"}, {BlobCacheMode::Uncached, "uncached"},
}});
inline constexpr EnumNames<BlobMappingMode, 2> kBlobMappingModeNames({{
    {BlobMappingMode::PerBlob, "per-blob"}, {BlobMappingMode::Fixed, "fixed"},
}});
// The forced types are MemCacheType's own names, short forms included.
inline constexpr EnumNames<MemslotCacheOverride, 5> kMemslotCacheOverrideNames({{
    {MemslotCacheOverride::Auto, "auto"},
    {MemslotCacheOverride::Coherent, "CacheCoherent"},
    {MemslotCacheOverride::NonCoherent, "CacheNonCoherent"},
    {MemslotCacheOverride::Coherent, "coherent"},
    {MemslotCacheOverride::NonCoherent, "noncoherent"},
}});

// Names from the tables above; parsing ignores case; nullopt for anything else.
std::string_view to_string(BlobCacheMode mode);
std::string_view to_string(BlobMappingMode mode);
std::optional<BlobCacheMode> parse_blob_cache_mode(std::string_view name);
std::optional<BlobMappingMode> parse_blob_mapping_mode(std::string_view name);
std::string_view to_string(MemslotCacheOverride mode);
std::optional<MemslotCacheOverride> parse_memslot_cache_override(std::string_view name);

// The VIRTIO_GPU_MAP_CACHE_* value reported for renderer-less HOST3D blobs in this mode
// (auto: wc).
std::uint32_t map_info_for(BlobCacheMode mode);
// A name for a map_info value: "CACHED", "UNCACHED", "WC", "NONE", or "0x..".
std::string map_info_name(std::uint32_t map_info);
// What a blob mapped with `map_info` asks of the hypervisor: CacheCoherent only for
// VIRTIO_GPU_MAP_CACHE_CACHED, CacheNonCoherent for everything else.
MemCacheType cache_type_for_map_info(std::uint32_t map_info);
// The MemCacheType a blob memslot is requested with: `override` when forced, else from
// map_info. For the fixed mode's single region slot pass kMapCacheWc-like map_info (the
// region holds device memory).
MemCacheType blob_memslot_cache_type(MemslotCacheOverride override, std::uint32_t map_info);

struct VirtioGpuConfig {
  static constexpr std::uint64_t kDefaultHostmemSize = 256ull << 20;
  static constexpr std::uint32_t kMaxDisplayDimension = 16384;

  std::uint64_t hostmem_size = kDefaultHostmemSize;  // host-visible region: a power of two
  RendererKind renderer = RendererKind::None;
  BlobCacheMode blob_cache = BlobCacheMode::Auto;
  BlobMappingMode mapping = BlobMappingMode::PerBlob;
  MemslotCacheOverride memslot_cache = MemslotCacheOverride::Auto;
  std::uint32_t width = 1024;  // the one scanout's mode in GET_DISPLAY_INFO
  std::uint32_t height = 768;
  // With a renderer: the memory the guest may make the renderer hold (--gpu-renderer-memory).
  // Charged before the renderer sees a request (RESOURCE_CREATE_3D, host blobs, the virgl
  // stream's PIPE_RESOURCE_CREATE), and watched after it: see RendererMemoryGuard.
  static constexpr std::uint64_t kDefaultRendererMemoryLimit = 1ull << 30;
  static constexpr std::uint64_t kMinRendererMemoryLimit = 64ull << 20;
  static constexpr std::uint64_t kMaxRendererMemoryLimit = 64ull << 30;
  std::uint64_t renderer_memory_limit = kDefaultRendererMemoryLimit;
};

// nullopt when usable; otherwise one line saying what is wrong (hostmem_size not a power of
// two or below 4 KiB, a display dimension of 0 or above kMaxDisplayDimension, a renderer
// with the fixed mapping mode: renderer memory is a pointer, not an fd to mmap again; a
// renderer memory limit outside [kMinRendererMemoryLimit, kMaxRendererMemoryLimit]).
std::optional<std::string> validate(const VirtioGpuConfig& config);

}  // namespace vmm
