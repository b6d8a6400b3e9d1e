#include "memory/mem_cache_type.h"

#include <nlohmann/json.hpp>
#include <ostream>

namespace vmm {

std::string_view to_string(MemCacheType type) { return kMemCacheTypeNames.name(type, "MemCacheType(?)"); }

std::optional<MemCacheType> parse_mem_cache_type(std::string_view name) {
  return kMemCacheTypeNames.parse(name);
}

std::ostream& operator<<(std::ostream& out, MemCacheType type) { return out << to_string(type); }

void to_json(nlohmann::json& j, MemCacheType type) { j = std::string(to_string(type)); }

void from_json(const nlohmann::json& j, MemCacheType& type) {
  if (!j.is_string())
    throw nlohmann::json::other_error::create(
        501, "MemCacheType must be a string (CacheCoherent or CacheNonCoherent)", &j);
  auto parsed = parse_mem_cache_type(j.get<std::string>());
  if (!parsed)
    throw nlohmann::json::other_error::create(
        501,
        "unknown MemCacheType '" + j.get<std::string>() + "' (expected " +
            kMemCacheTypeNames.choices() + ")",
        &j);
  type = *parsed;
}

}  // namespace vmm
