// vmm(1) rendered as roff from the CLI11 app itself: every option of every group, its one
// help line, the details OptionDocs holds for it, its default, what it needs and excludes.
// The prose around the options (description, exit status, files, ...) is given by the
// caller (vmm/manpage_main.cc) in OptionDocs' markup.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <utility>
#include <vector>

#include "vmm/cli/option_docs.h"

namespace vmm {

struct ManSection {
  std::string title;                                       // e.g. "EXIT STATUS"
  std::string text;                                        // paragraphs, before the items
  std::vector<std::pair<std::string, std::string>> items;  // a tagged list: tag, body
};

struct ManPage {
  std::string version;  // "0.1.0"
  std::string date;     // "2026-12-07"
  std::string summary;  // the NAME line after "vmm \-"
  std::vector<std::string> synopsis;        // one usage each, in markup
  std::vector<ManSection> before_options;   // DESCRIPTION ...
  std::vector<ManSection> after_options;    // EXIT STATUS, FILES, ...
};

// OptionDocs' markup as roff: `code` bold, *words* italic, "\n\n" a new paragraph
// (`paragraph_macro`, e.g. ".PP" or ".IP"), hyphens of options and code as minus signs.
std::string roff_text(const std::string& markup, const std::string& paragraph_macro = ".PP");

std::string render_manpage(const CLI::App& app, const OptionDocs& docs, const ManPage& page);

// The same options as Markdown, one table per group, for docs/command-line.md.
std::string render_options_markdown(const CLI::App& app, const OptionDocs& docs);

}  // namespace vmm
