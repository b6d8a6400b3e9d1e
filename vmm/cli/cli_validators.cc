#include "vmm/cli/cli_validators.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "vmm/cli/size_arg.h"

namespace vmm {

CLI::Validator input_file_validator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        struct stat st {};
        if (::stat(text.c_str(), &st) != 0) return "cannot read '" + text + "': " + std::strerror(errno);
        if (!S_ISREG(st.st_mode)) return "cannot read '" + text + "': not a regular file";
        if (::access(text.c_str(), R_OK) != 0) return "cannot read '" + text + "': " + std::strerror(errno);
        return {};
      },
      "");
}

CLI::Validator output_file_validator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (text.empty()) return "empty file name";
        struct stat st {};
        if (::stat(text.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
          return "'" + text + "' is a directory";
        std::string dir = std::filesystem::path(text).parent_path().string();
        if (dir.empty()) dir = ".";
        if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
          return "cannot write '" + text + "': no directory '" + dir + "'";
        if (::access(dir.c_str(), W_OK) != 0)
          return "cannot write '" + text + "': directory '" + dir + "' is not writable";
        return {};
      },
      "");
}

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
