// CLI11 glue for vmm's own value types, so every option taking a size or a MemCacheType
// (on the command line or in a --config file) parses and complains the same way.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "base/enum_names.h"
#include "memory/mem_cache_type.h"

namespace vmm {

// --NAME SIZE into `target` (bytes); `minimum` and `alignment` are checked with messages
// that show the value the user typed.
CLI::Option* add_size_option(CLI::App& app, const std::string& name, std::uint64_t& target,
                             const std::string& help, std::uint64_t minimum = 0,
                             std::uint64_t alignment = 1);

// --NAME VALUE into `target`, an enum named by `names` (base/enum_names.h): any name or
// alias, in any letter case; anything else is "unknown <what> 'x' (expected a, b or c)".
// `names` must outlive the app (the tables are constexpr globals).
template <typename E, std::size_t N>
CLI::Option* add_enum_option(CLI::App& app, const std::string& name, E& target,
                             const EnumNames<E, N>& names, const std::string& what,
                             const std::string& help) {
  auto* option = app.add_option_function<std::string>(
      name, [&target, &names](const std::string& text) { target = *names.parse(text); },
      help + " (default " + std::string(names.name(target)) + ")");
  option->type_name(what == "MemCacheType" ? "CACHE_TYPE" : "MODE");
  option->check(CLI::Validator(
      [&names, what](std::string& text) -> std::string {
        if (names.parse(text)) return {};
        return "unknown " + what + " '" + text + "' (expected " + names.choices() + ")";
      },
      ""));
  return option;
}

// A file vmm will write (--report, --memslot-trace, --dump-dtb, --gpu-screenshot): refused
// at parse time, before any set-up, when it names a directory or its directory does not
// exist or is not writable, so a typo costs no boot and leaves nothing behind.
CLI::Validator output_file_validator();

// A file vmm reads at parse time (--config): a regular, readable file. A FIFO or device
// would block or never end.
CLI::Validator input_file_validator();

// --NAME TYPE into `target`; accepts the MemCacheType names (see kMemCacheTypeNames).
inline CLI::Option* add_mem_cache_type_option(CLI::App& app, const std::string& name,
                                              MemCacheType& target, const std::string& help) {
  return add_enum_option(app, name, target, kMemCacheTypeNames, "MemCacheType", help);
}

}  // namespace vmm
