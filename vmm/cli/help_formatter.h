// HelpFormatter: `vmm --help` as one short line per option, by group. CLI11's own formatter
// appends defaults, "Needs: --gpu" and "Excludes: ..." to the option column, which pushes
// most descriptions onto a second line; those relations are in the man page (vmm(1)).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace vmm {

class HelpFormatter : public CLI::Formatter {
 public:
  HelpFormatter() { column_width(30); }
  std::string make_option_opts(const CLI::Option* option) const override {
    if (option->get_type_size() == 0 || option->get_type_name().empty()) return {};
    return " " + option->get_type_name();
  }
  std::string make_usage(const CLI::App*, std::string) const override {
    return "\nUsage: vmm --kernel PATH [OPTIONS]\n"
           "       vmm --probe-host [--json] | --self-test | --version | --help\n"
           "       vmm ctl SOCKET COMMAND\n\n";
  }
  // One blank line between groups (CLI11 puts two: one before each group, one after).
  std::string make_group(std::string group, bool is_positional,
                         std::vector<const CLI::Option*> options) const override {
    std::string out = group + ":\n";
    for (const CLI::Option* option : options) out += make_option(option, is_positional);
    return out;
  }
};

}  // namespace vmm
