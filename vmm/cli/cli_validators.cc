#include "vmm/cli/cli_validators.h"

#include "vmm/cli/size_arg.h"

namespace vmm {

CLI::Option* add_size_option(CLI::App& app, const std::string& name, std::uint64_t& target,
                             const std::string& help, std::uint64_t minimum,
                             std::uint64_t alignment) {
  auto* option = app.add_option_function<std::string>(
      name,
      [&target](const std::string& text) { target = *parse_size(text); },
      help + " (default " + format_size(target) + ")");
  option->type_name("SIZE");
  option->check(CLI::Validator(
      [minimum, alignment](std::string& text) -> std::string {
        auto size = parse_size(text);
        if (!size) return "invalid size '" + text + "': use a number with an optional K, M, G or T suffix";
        if (*size < minimum) return "size '" + text + "' is below the minimum of " + format_size(minimum);
        if (alignment > 1 && *size % alignment != 0)
          return "size '" + text + "' is not a multiple of " + format_size(alignment);
        return {};
      },
      ""));
  return option;
}

}  // namespace vmm
