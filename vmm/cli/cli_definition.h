// vmm's option table: every option CLI11 parses, its help group, its one-line help and the
// man page's details for it. parse_command_line (cli.cc) parses with it; vmm-manpage
// renders vmm(1) from it.
#pragma once

#include <CLI/CLI.hpp>

#include "vmm/cli/option_docs.h"
#include "vmm/cli/options.h"

namespace vmm {

// The help text above the option groups of `vmm --help`.
extern const char* const kCommandLineDescription;

// Defines every option on `app`, writing into `options` when it parses, and records each
// option's man-page details in `docs`. `options` must outlive `app`.
void define_command_line(CLI::App& app, Options& options, OptionDocs& docs);

}  // namespace vmm
