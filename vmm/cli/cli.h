// The command line: CLI11 parsing of argv (and of a --config TOML file) into Options.
#pragma once

#include <variant>

#include "vmm/cli/options.h"

namespace vmm {

// Either the options to run with, or the exit status to leave with right away (--help,
// --version: 0 after printing; a usage error: 2 after CLI11's message on stderr).
using CliResult = std::variant<Options, int>;

CliResult parse_command_line(int argc, const char* const* argv);

}  // namespace vmm
