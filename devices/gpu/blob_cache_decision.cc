#include "devices/gpu/blob_cache_decision.h"

#include "devices/gpu/virtio_gpu_protocol.h"

namespace vmm::gpu {

BlobCacheDecision decide_blob_cache(BlobCacheMode blob_cache, MemslotCacheOverride memslot_cache,
                                    const BlobProducer& producer) {
  BlobCacheDecision d;
  const bool has_producer = !producer.name.empty();
  const int said = producer.reported.value_or(-1);
  if (has_producer) d.why.reported_map_info = said >= 0 ? map_info_name(static_cast<std::uint32_t>(said)) : "NONE";
  d.why.producer_context = producer.context;
  if (blob_cache != BlobCacheMode::Auto) {
    d.map_info = map_info_for(blob_cache);
    d.why.map_info_from = "--gpu-blob-cache";
  } else if (!has_producer) {
    d.map_info = map_info_for(BlobCacheMode::Auto);
    d.why.map_info_from = "default: no renderer";
  } else if (said > 0) {
    d.map_info = static_cast<std::uint32_t>(said);
    d.why.map_info_from = producer.name;
  } else {
    d.map_info = kMapCacheCached;
    d.why.map_info_from = "default: " + producer.name + " reported none";
  }
  d.why.map_info = map_info_name(d.map_info);
  d.why.decided_by = memslot_cache == MemslotCacheOverride::Auto ? "map_info" : "--gpu-memslot-cache";
  d.slot_type = blob_memslot_cache_type(memslot_cache, d.map_info);
  return d;
}

}  // namespace vmm::gpu
