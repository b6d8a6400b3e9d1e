// CLI11 glue for vmm's own value types, so every option taking a size or a MemCacheType
// (on the command line or in a --config file) parses and complains the same way.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "memory/mem_cache_type.h"

namespace vmm {

// --NAME SIZE into `target` (bytes); `minimum` and `alignment` are checked with messages
// that show the value the user typed.
CLI::Option* add_size_option(CLI::App& app, const std::string& name, std::uint64_t& target,
                             const std::string& help, std::uint64_t minimum = 0,
                             std::uint64_t alignment = 1);

// --NAME TYPE into `target`; accepts the MemCacheType names (see parse_mem_cache_type).
CLI::Option* add_mem_cache_type_option(CLI::App& app, const std::string& name,
                                       MemCacheType& target, const std::string& help);

}  // namespace vmm
