// Fuzzes vmm's command line and --config TOML files (vmm/cli/cli.h): parse_command_line on
// argv words and a config file that come from the input, and parse_size (vmm/cli/size_arg.h)
// on every word.
//
// Input format (text): one argv word per line; a line "%%" ends the words and everything
// after it is written to a config file in a private temporary directory, passed as
// "--config FILE" before the words. "@CONFIG@" in a word is replaced by that file's path.
// So that no input names a file outside that directory (/dev/zero would never end), every
// '/' in a word becomes '_'.
//
// Invariants:
//  - parse_command_line returns Options or an exit status, 0 (help, version) or 2 (usage);
//    no exception escapes it;
//  - accepted Options hold only values the options allow: a kernel unless --probe-host or
//    --self-test (and none with them), at least 16 MiB of RAM in whole pages, 1..254 vCPUs,
//    a known log level, a power-of-two host-visible region of at least 4 KiB, --json only with
//    --probe-host, --dump-dtb never with --no-dtb, and the --gpu-* choices left at their
//    defaults unless --gpu was given;
//  - parse_size accepts only what format_size can give back: format_size(parse_size(w))
//    parses to the same number.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <streambuf>
#include <string>
#include <variant>
#include <vector>

#include "tests/fuzz/fuzz_support.h"
#include "vmm/cli/cli.h"
#include "vmm/cli/size_arg.h"

namespace vmm::fuzz {
namespace {

// Swallows CLI11's messages (help text, usage errors) so the fuzzer's output stays readable.
class NullBuffer : public std::streambuf {
 protected:
  int overflow(int c) override { return c == EOF ? 0 : c; }
};

std::string& temp_dir() {
  static std::string dir;
  return dir;
}

void make_temp_dir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/vmm-config-fuzz-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    std::perror("config_fuzz: mkdtemp");
    std::abort();
  }
  temp_dir() = pattern;
  std::atexit([] {
    std::error_code ignored;
    std::filesystem::remove_all(temp_dir(), ignored);
  });
}

bool is_power_of_two(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

void check_options(const Options& o) {
  const VirtioGpuConfig defaults;
  FUZZ_CHECK((o.probe_host || o.self_test) ? o.kernel.empty() : !o.kernel.empty(),
             "a kernel is required unless --probe-host or --self-test, and excluded with them");
  FUZZ_CHECK(!(o.probe_host && o.self_test), "--probe-host together with --self-test");
  FUZZ_CHECK(!o.self_test_guest || o.self_test, "--self-test-guest without --self-test");
  FUZZ_CHECK(o.mem_bytes >= (16ull << 20) && o.mem_bytes % 4096 == 0,
             "--mem below 16 MiB or not whole pages: " + std::to_string(o.mem_bytes));
  FUZZ_CHECK(o.cpus >= 1 && o.cpus <= 254, "--cpus outside 1..254: " + std::to_string(o.cpus));
  FUZZ_CHECK(o.log_level == "trace" || o.log_level == "debug" || o.log_level == "info" ||
                 o.log_level == "warn" || o.log_level == "error" || o.log_level == "off",
             "unknown --log-level '" + o.log_level + "'");
  FUZZ_CHECK(is_power_of_two(o.gpu_config.hostmem_size) && o.gpu_config.hostmem_size >= 4096,
             "--gpu-hostmem not a power of two of at least 4K: " +
                 std::to_string(o.gpu_config.hostmem_size));
  FUZZ_CHECK(!o.json || o.probe_host, "--json without --probe-host");
  FUZZ_CHECK(!o.dump_dtb || o.dtb, "--dump-dtb together with --no-dtb");
  if (!o.gpu) {
    FUZZ_CHECK(o.gpu_config.hostmem_size == defaults.hostmem_size &&
                   o.gpu_config.blob_cache == defaults.blob_cache &&
                   o.gpu_config.mapping == defaults.mapping &&
                   o.gpu_config.memslot_cache == defaults.memslot_cache && !o.gpu_screenshot,
               "a --gpu-* option took effect without --gpu");
  }
}

void check_size(const std::string& word) {
  const auto size = parse_size(word);
  if (!size) return;
  const std::string formatted = format_size(*size);
  const auto again = parse_size(formatted);
  FUZZ_CHECK(again && *again == *size,
             "parse_size('" + word + "') = " + std::to_string(*size) + " but format_size gives '" +
                 formatted + "', which does not parse back");
}

void run(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string config_path = temp_dir() + "/fuzz.toml";

  std::vector<std::string> words;
  std::optional<std::string> config;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line == "%%") {
      const auto at = static_cast<std::size_t>(lines.tellg());
      config = at < text.size() ? text.substr(at) : std::string();
      break;
    }
    if (line.empty()) continue;
    for (char& c : line)
      if (c == '/') c = '_';
    for (std::size_t at; (at = line.find("@CONFIG@")) != std::string::npos;)
      line.replace(at, 8, config_path);
    words.push_back(line);
  }
  if (config) {
    std::ofstream(config_path, std::ios::binary | std::ios::trunc) << *config;
    words.insert(words.begin(), {"--config", config_path});
  } else {
    std::filesystem::remove(config_path);
  }
  for (const auto& w : words) check_size(w);

  std::vector<const char*> argv{"vmm"};
  for (const auto& w : words) argv.push_back(w.c_str());

  NullBuffer null;
  auto* out = std::cout.rdbuf(&null);
  auto* err = std::cerr.rdbuf(&null);
  CliResult result;
  try {
    result = parse_command_line(static_cast<int>(argv.size()), argv.data());
  } catch (const std::exception& e) {
    std::cout.rdbuf(out);
    std::cerr.rdbuf(err);
    FUZZ_CHECK(false, std::string("parse_command_line threw: ") + e.what());
  } catch (...) {
    std::cout.rdbuf(out);
    std::cerr.rdbuf(err);
    FUZZ_CHECK(false, "parse_command_line threw something that is not a std::exception");
  }
  std::cout.rdbuf(out);
  std::cerr.rdbuf(err);

  if (const int* status = std::get_if<int>(&result)) {
    FUZZ_CHECK(*status == 0 || *status == 2, "exit status " + std::to_string(*status) +
                                                 " is neither 0 (help/version) nor 2 (usage)");
    return;
  }
  check_options(std::get<Options>(result));
}

}  // namespace
}  // namespace vmm::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  vmm::fuzz::quiet_logs();
  vmm::fuzz::make_temp_dir();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  vmm::fuzz::run(data, size);
  return 0;
}
