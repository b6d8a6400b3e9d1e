// OptionDocs: what vmm(1) says about each option beyond its one line in `vmm --help`. The
// text is written beside the option's definition (cli_definition.cc) and the man page is
// generated from the CLI11 app and these texts (vmm-manpage), so no option is described
// in a second list that could fall behind.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <string>

namespace vmm {

// The help groups, in the order `vmm --help` and the man page list them.
namespace option_group {
inline constexpr const char* kGeneral = "General";
inline constexpr const char* kMachine = "Machine";
inline constexpr const char* kGpu = "GPU";
inline constexpr const char* kMemoryTypes = "Memory types";
inline constexpr const char* kOutput = "Output and reports";
inline constexpr const char* kSecurity = "Security";
inline constexpr const char* kHost = "Host checks";
}  // namespace option_group

// Markup in the texts, kept small so it reads as plain text in the source: `code` is set
// in bold, *words* in italics; a blank line ("\n\n") starts a new paragraph.
class OptionDocs {
 public:
  // Records `details` for `option` (keyed by its long name) and returns the option, so a
  // definition reads docs.add(app.add_option(...)->group(...), "...").
  CLI::Option* add(CLI::Option* option, std::string details) {
    details_[key(option)] = std::move(details);
    return option;
  }
  // The details recorded for an option; empty if none were.
  const std::string& details(const CLI::Option* option) const {
    static const std::string none;
    const auto it = details_.find(key(option));
    return it == details_.end() ? none : it->second;
  }
  std::size_t size() const { return details_.size(); }

 private:
  static std::string key(const CLI::Option* option) {
    const auto& names = option->get_lnames();
    return names.empty() ? option->get_name() : "--" + names.front();
  }
  std::map<std::string, std::string> details_;
};

}  // namespace vmm
