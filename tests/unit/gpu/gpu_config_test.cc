// VirtioGpuConfig: the CLI spellings of its enums, the map_info/MemCacheType rules, and
// validation.
#include <gtest/gtest.h>

#include "devices/gpu/virtio_gpu_config.h"
#include "devices/gpu/virtio_gpu_protocol.h"

namespace vmm {
namespace {

TEST(GpuConfigTest, BlobCacheModeNamesRoundTrip) {
  for (auto mode : {BlobCacheMode::Wc, BlobCacheMode::Cached, BlobCacheMode::Uncached})
    EXPECT_EQ(parse_blob_cache_mode(to_string(mode)), mode);
  EXPECT_EQ(to_string(BlobCacheMode::Wc), "wc");
  EXPECT_EQ(to_string(BlobCacheMode::Cached), "cached");
  EXPECT_EQ(to_string(BlobCacheMode::Uncached), "uncached");
  EXPECT_EQ(parse_blob_cache_mode("WC"), BlobCacheMode::Wc);
  EXPECT_FALSE(parse_blob_cache_mode("write-combining").has_value());
  EXPECT_FALSE(parse_blob_cache_mode("").has_value());
  EXPECT_FALSE(parse_blob_cache_mode("wcx").has_value());
}

TEST(GpuConfigTest, BlobMappingModeNamesRoundTrip) {
  for (auto mode : {BlobMappingMode::PerBlob, BlobMappingMode::Fixed})
    EXPECT_EQ(parse_blob_mapping_mode(to_string(mode)), mode);
  EXPECT_EQ(to_string(BlobMappingMode::PerBlob), "per-blob");
  EXPECT_EQ(to_string(BlobMappingMode::Fixed), "fixed");
  EXPECT_EQ(parse_blob_mapping_mode("Fixed"), BlobMappingMode::Fixed);
  EXPECT_FALSE(parse_blob_mapping_mode("perblob").has_value());
}

TEST(GpuConfigTest, MapInfoAndCacheType) {
  EXPECT_EQ(map_info_for(BlobCacheMode::Wc), 0x03u);
  EXPECT_EQ(map_info_for(BlobCacheMode::Cached), 0x01u);
  EXPECT_EQ(map_info_for(BlobCacheMode::Uncached), 0x02u);
  EXPECT_EQ(cache_type_for_map_info(gpu::kMapCacheCached), MemCacheType::CacheCoherent);
  EXPECT_EQ(cache_type_for_map_info(gpu::kMapCacheWc), MemCacheType::CacheNonCoherent);
  EXPECT_EQ(cache_type_for_map_info(gpu::kMapCacheUncached), MemCacheType::CacheNonCoherent);
  EXPECT_EQ(cache_type_for_map_info(gpu::kMapCacheNone), MemCacheType::CacheNonCoherent);
}

TEST(GpuConfigTest, DefaultsAndValidation) {
  VirtioGpuConfig config;
  EXPECT_EQ(config.blob_cache, BlobCacheMode::Auto);
  EXPECT_EQ(map_info_for(BlobCacheMode::Auto), gpu::kMapCacheWc) << "without a renderer, auto is wc";
  EXPECT_EQ(config.renderer, RendererKind::None);
  EXPECT_EQ(config.mapping, BlobMappingMode::PerBlob);
  EXPECT_EQ(config.width, 1024u);
  EXPECT_EQ(config.height, 768u);
  EXPECT_FALSE(validate(config).has_value());

  for (std::uint64_t bad : {0ull, 2048ull, 3ull << 20, (1ull << 30) + 4096}) {
    config.hostmem_size = bad;
    auto problem = validate(config);
    ASSERT_TRUE(problem.has_value()) << bad;
    EXPECT_NE(problem->find("power of two"), std::string::npos);
  }
  config.hostmem_size = 1ull << 33;
  EXPECT_FALSE(validate(config).has_value());
  config.width = 0;
  EXPECT_TRUE(validate(config).has_value());
  config.width = 16385;
  EXPECT_TRUE(validate(config).has_value());
  config.width = 16384;
  config.height = 0;
  EXPECT_TRUE(validate(config).has_value());
}

}  // namespace
}  // namespace vmm

namespace vmm {
namespace {

TEST(GpuConfig, MemslotCacheOverrideNamesAndEffect) {
  for (auto mode : {MemslotCacheOverride::Auto, MemslotCacheOverride::Coherent,
                    MemslotCacheOverride::NonCoherent})
    EXPECT_EQ(parse_memslot_cache_override(to_string(mode)), mode);
  EXPECT_EQ(parse_memslot_cache_override("wb"), std::nullopt);
  EXPECT_EQ(blob_memslot_cache_type(MemslotCacheOverride::Auto, gpu::kMapCacheCached),
            MemCacheType::CacheCoherent);
  EXPECT_EQ(blob_memslot_cache_type(MemslotCacheOverride::Auto, gpu::kMapCacheWc),
            MemCacheType::CacheNonCoherent);
  EXPECT_EQ(blob_memslot_cache_type(MemslotCacheOverride::Coherent, gpu::kMapCacheWc),
            MemCacheType::CacheCoherent);
  EXPECT_EQ(blob_memslot_cache_type(MemslotCacheOverride::NonCoherent, gpu::kMapCacheCached),
            MemCacheType::CacheNonCoherent);
}

}  // namespace
}  // namespace vmm
