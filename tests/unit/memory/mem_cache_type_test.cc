#include "memory/mem_cache_type.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace vmm {
namespace {

TEST(MemCacheType, CopiesAndCompares) {
  MemCacheType a = MemCacheType::CacheNonCoherent;
  MemCacheType b = a;
  EXPECT_EQ(a, b);
  EXPECT_NE(b, MemCacheType::CacheCoherent);
}

TEST(MemCacheType, PrintsCanonicalNames) {
  std::ostringstream out;
  out << MemCacheType::CacheCoherent << " " << MemCacheType::CacheNonCoherent;
  EXPECT_EQ(out.str(), "CacheCoherent CacheNonCoherent");
}

TEST(MemCacheType, ParsesCanonicalAndShortNamesInAnyCase) {
  EXPECT_EQ(parse_mem_cache_type("CacheCoherent"), MemCacheType::CacheCoherent);
  EXPECT_EQ(parse_mem_cache_type("cachenoncoherent"), MemCacheType::CacheNonCoherent);
  EXPECT_EQ(parse_mem_cache_type("NonCoherent"), MemCacheType::CacheNonCoherent);
  EXPECT_EQ(parse_mem_cache_type("coherent"), MemCacheType::CacheCoherent);
  EXPECT_EQ(parse_mem_cache_type("writeback"), std::nullopt);
  EXPECT_EQ(parse_mem_cache_type(""), std::nullopt);
}

TEST(MemCacheType, RoundTripsThroughJson) {
  for (auto type : {MemCacheType::CacheCoherent, MemCacheType::CacheNonCoherent}) {
    nlohmann::json j = type;
    EXPECT_TRUE(j.is_string());
    EXPECT_EQ(j.get<std::string>(), to_string(type));
    EXPECT_EQ(nlohmann::json::parse(j.dump()).get<MemCacheType>(), type);
  }
}

TEST(MemCacheType, UnknownJsonNameIsAClearError) {
  nlohmann::json j = "WriteCombining";
  try {
    (void)j.get<MemCacheType>();
    FAIL() << "expected an exception";
  } catch (const nlohmann::json::exception& e) {
    EXPECT_NE(std::string(e.what()).find("unknown MemCacheType 'WriteCombining'"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW((void)nlohmann::json(3).get<MemCacheType>(), nlohmann::json::exception);
}

}  // namespace
}  // namespace vmm
