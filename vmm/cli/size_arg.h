// Parsing of size arguments such as --mem 512M.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vmm {

// Accepts a decimal number with an optional binary suffix K, M, G or T (case-insensitive,
// optionally followed by "iB" or "B": 512M, 512MiB, 2g). Plain numbers are bytes. Returns
// nullopt for anything else, including overflow.
std::optional<std::uint64_t> parse_size(std::string_view text);

// The inverse for messages and tables: the largest exact binary unit (4096 -> "4K",
// 0x40000000 -> "1G", 1000 -> "1000").
std::string format_size(std::uint64_t bytes);

}  // namespace vmm
