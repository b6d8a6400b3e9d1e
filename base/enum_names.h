// EnumNames: an enum's names, written once as a table, from which its to_string, its
// parsing, the command line's list of choices (CLI11 checks and --help) and its JSON all
// come. The first entry for a value is its name; later entries for the same value are
// aliases that parsing also accepts ("coherent" for CacheCoherent). Parsing ignores case.
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vmm {

template <typename E, std::size_t N>
class EnumNames {
 public:
  using Entry = std::pair<E, std::string_view>;
  constexpr explicit EnumNames(std::array<Entry, N> entries) : entries_(entries) {}

  // The value's name; `fallback` for a value outside the table (a cast from a bad number).
  constexpr std::string_view name(E value, std::string_view fallback = "?") const {
    for (const auto& [v, n] : entries_)
      if (v == value) return n;
    return fallback;
  }

  std::optional<E> parse(std::string_view text) const {
    for (const auto& [v, n] : entries_)
      if (equal_ignoring_case(text, n)) return v;
    return std::nullopt;
  }

  // Every accepted spelling, names and aliases, in table order.
  std::vector<std::string> spellings() const {
    std::vector<std::string> out;
    for (const auto& entry : entries_) out.emplace_back(entry.second);
    return out;
  }

  // "wc, cached or uncached": the names only, for messages and --help.
  std::string choices() const {
    std::vector<std::string_view> names;
    for (const auto& [v, n] : entries_)
      if (name(v) == n) names.push_back(n);
    std::string s;
    for (std::size_t i = 0; i < names.size(); ++i)
      s += std::string(i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + std::string(names[i]);
    return s;
  }

 private:
  static bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
      return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
  }

  std::array<Entry, N> entries_;
};

}  // namespace vmm
