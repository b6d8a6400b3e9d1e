// The one decision point for a mappable blob's memory type: the map_info RESOURCE_MAP_BLOB
// tells the guest, the MemCacheType its memslot is requested with, and the CacheTypeReason
// the trace and the report show for that slot. Both backends ask it; neither decides alone.
//
//   map_info   --gpu-blob-cache when set; else what the blob's producer reported (the
//              renderer's answer when it has one above NONE); else the built-in default
//              (map_info_for(Auto)) for memfd blobs, CACHED for a renderer that said nothing
//              (see VirtioGpuConfig: a renderer that cannot say is a software one).
//   slot type  --gpu-memslot-cache when forced, else derived from map_info
//              (blob_memslot_cache_type).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "devices/gpu/virtio_gpu_config.h"
#include "memory/mem_cache_type.h"
#include "memory/memslot.h"

namespace vmm::gpu {

// Who produced the blob's memory, and what it said about caching.
struct BlobProducer {
  std::string name;  // "virglrenderer"; empty: the device's own memfd (no producer to ask)
  // Its map_info answer; nullopt or negative: none.
  std::optional<int> reported;
  // Which of its contexts made the memory ("VENUS", "VIRGL2"): with --gpu-renderer all, a
  // virgl and a Venus context answer for their own blobs, and the trace says whose it was.
  std::string context = {};
};

struct BlobCacheDecision {
  std::uint32_t map_info = 0;  // what MAP_BLOB answers
  MemCacheType slot_type = MemCacheType::CacheCoherent;
  CacheTypeReason why;
};

BlobCacheDecision decide_blob_cache(BlobCacheMode blob_cache, MemslotCacheOverride memslot_cache,
                                    const BlobProducer& producer);

}  // namespace vmm::gpu
