#include "vmm/cli/cli.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "vmm/cli/cli_definition.h"

namespace vmm {

CliResult parse_command_line(int argc, const char* const* argv) {
  Options options;
  CLI::App app("", "vmm");
  OptionDocs docs;  // only vmm-manpage reads them
  define_command_line(app, options, docs);

  try {
    app.parse(argc, argv);
    if (!options.probe_host && !options.self_test && options.kernel.empty())
      throw CLI::RequiredError("--kernel");
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version: printed on stdout, exit 0
  } catch (const CLI::ConfigError& e) {
    // CLI11 says "INI was not able to parse KEY" for a key no option has, or a line that is
    // not TOML; name the file and what to look for instead.
    std::string what = e.what();
    const std::string prefix = "INI was not able to parse ";
    if (what.rfind(prefix, 0) == 0)
      what = "unknown key or malformed line '" + what.substr(prefix.size()) + "'";
    std::fprintf(stderr, "vmm: --config: %s (keys are the long option names; see vmm --help)\n",
                 what.c_str());
    return 2;
  } catch (const CLI::ParseError& e) {
    // One line, like every other refusal of the user's input (CLI11 would add a second).
    std::fprintf(stderr, "vmm: %s (see vmm --help)\n", e.what());
    return 2;
  }
  return options;
}

}  // namespace vmm
