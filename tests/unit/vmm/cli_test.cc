#include "vmm/cli/cli.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "vmm/cli/cli_validators.h"

namespace vmm {
namespace {

CliResult parse(std::vector<std::string> args) {
  args.insert(args.begin(), "vmm");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

class TempFile {
 public:
  explicit TempFile(const std::string& contents) {
    path_ = std::filesystem::temp_directory_path() /
            ("vmm-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++) + ".toml");
    std::ofstream(path_) << contents;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

TEST(Cli, DefaultsAndExplicitValues) {
  auto result = parse({"--kernel", "bz", "--mem", "1G", "--initrd", "rd", "--memslots"});
  ASSERT_TRUE(std::holds_alternative<Options>(result));
  const auto& o = std::get<Options>(result);
  EXPECT_EQ(o.kernel, "bz");
  EXPECT_EQ(o.initrd, "rd");
  EXPECT_EQ(o.mem_bytes, 1ull << 30);
  EXPECT_TRUE(o.print_memslots);
  EXPECT_EQ(o.log_level, "info");
  EXPECT_NE(o.cmdline.find("console=ttyS0"), std::string::npos);

  auto defaults = std::get<Options>(parse({"--kernel", "bz"}));
  EXPECT_EQ(defaults.mem_bytes, 256ull << 20);
  EXPECT_FALSE(defaults.initrd);
  EXPECT_FALSE(defaults.print_memslots);
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(std::get<int>(parse({})), 2) << "--kernel is required";
  EXPECT_EQ(std::get<int>(parse({"--kernel", "bz", "--mem", "12Q"})), 2);
  EXPECT_EQ(std::get<int>(parse({"--kernel", "bz", "--mem", "1M"})), 2) << "below minimum";
  EXPECT_EQ(std::get<int>(parse({"--kernel", "bz", "--mem", "16777217"})), 2) << "not 4K-aligned";
  EXPECT_EQ(std::get<int>(parse({"--kernel", "bz", "--log-level", "loud"})), 2);
  EXPECT_EQ(std::get<int>(parse({"--kernel", "bz", "--no-such-option"})), 2);
  EXPECT_EQ(std::get<int>(parse({"--kernel", "bz", "--config", "/nonexistent/vmm.toml"})), 2);
}

TEST(Cli, HelpAndVersionExitZero) {
  EXPECT_EQ(std::get<int>(parse({"--help"})), 0);
  EXPECT_EQ(std::get<int>(parse({"--version"})), 0);
}

TEST(Cli, ConfigFileSuppliesOptionsAndCommandLineOverrides) {
  TempFile config(
      "kernel = \"from-file\"\n"
      "mem = \"512M\"\n"
      "cmdline = \"console=ttyS0 quiet\"\n"
      "memslots = true\n");
  auto from_file = std::get<Options>(parse({"--config", config.path()}));
  EXPECT_EQ(from_file.kernel, "from-file");
  EXPECT_EQ(from_file.mem_bytes, 512ull << 20);
  EXPECT_EQ(from_file.cmdline, "console=ttyS0 quiet");
  EXPECT_TRUE(from_file.print_memslots);

  auto overridden = std::get<Options>(parse({"--config", config.path(), "--mem", "1G", "--kernel", "cli"}));
  EXPECT_EQ(overridden.mem_bytes, 1ull << 30);
  EXPECT_EQ(overridden.kernel, "cli");
}

TEST(Cli, BadValueInConfigFileIsAUsageError) {
  TempFile config("kernel = \"k\"\nmem = \"lots\"\n");
  EXPECT_EQ(std::get<int>(parse({"--config", config.path()})), 2);
}

// MemCacheType names round-trip through a CLI11 config file the same way they do through
// JSON: written with to_string, read back by the shared option helper.
TEST(CliValidators, MemCacheTypeRoundTripsThroughConfigFile) {
  for (auto type : {MemCacheType::CacheCoherent, MemCacheType::CacheNonCoherent}) {
    TempFile config("cache = \"" + std::string(to_string(type)) + "\"\n");
    CLI::App app;
    app.set_config("--config");
    MemCacheType parsed = type == MemCacheType::CacheCoherent ? MemCacheType::CacheNonCoherent
                                                              : MemCacheType::CacheCoherent;
    add_mem_cache_type_option(app, "--cache", parsed, "test");
    std::vector<std::string> args = {"--config", config.path()};
    std::reverse(args.begin(), args.end());  // CLI11 parses a reversed vector
    app.parse(args);
    EXPECT_EQ(parsed, type);
  }
}

// Every enum option round-trips through a --config file: each value, written with the name
// vmm prints for it (to_string: the trace, the report, --help), reads back as that value;
// MemCacheType's short forms are accepted too.
template <typename E, std::size_t N, typename Field>
void expect_round_trip(const char* key, const EnumNames<E, N>& names, Field field) {
  for (const std::string& spelling : names.spellings()) {
    const E value = *names.parse(spelling);
    TempFile config("kernel = \"bz\"\ngpu = true\n" + std::string(key) + " = \"" +
                    std::string(to_string(value)) + "\"\n");
    auto parsed = parse({"--config", config.path()});
    ASSERT_TRUE(std::holds_alternative<Options>(parsed)) << key << " = " << to_string(value);
    EXPECT_EQ(field(std::get<Options>(parsed)), value) << key << " = " << to_string(value);
    TempFile alias("kernel = \"bz\"\ngpu = true\n" + std::string(key) + " = \"" + spelling + "\"\n");
    auto by_alias = parse({"--config", alias.path()});
    ASSERT_TRUE(std::holds_alternative<Options>(by_alias)) << key << " = " << spelling;
    EXPECT_EQ(field(std::get<Options>(by_alias)), value) << key << " = " << spelling;
  }
}

TEST(Cli, EnumOptionsRoundTripThroughAConfigFile) {
  expect_round_trip("gpu-memslot-cache", kMemslotCacheOverrideNames,
                    [](const Options& o) { return o.gpu_config.memslot_cache; });
  expect_round_trip("gpu-blob-cache", kBlobCacheModeNames,
                    [](const Options& o) { return o.gpu_config.blob_cache; });
  expect_round_trip("gpu-blob-mapping", kBlobMappingModeNames,
                    [](const Options& o) { return o.gpu_config.mapping; });
  expect_round_trip("noncoherent-dma", kNonCoherentDmaModeNames,
                    [](const Options& o) { return o.noncoherent_dma; });
  expect_round_trip("derive-memtype", kDeriveModeNames, [](const Options& o) { return o.derive_memtype; });
}

TEST(Cli, DeriveMemtypeDefaultsToFirstTouchAndRefusesOtherWords) {
  EXPECT_EQ(std::get<Options>(parse({"--kernel", "bz"})).derive_memtype, DeriveMode::FirstTouch);
  EXPECT_EQ(std::get<Options>(parse({"--kernel", "bz", "--derive-memtype", "stop"})).derive_memtype, DeriveMode::Stop);
  EXPECT_EQ(std::get<Options>(parse({"--kernel", "bz", "--derive-memtype", "OFF"})).derive_memtype, DeriveMode::Off);
  EXPECT_EQ(std::get<int>(parse({"--kernel", "bz", "--derive-memtype", "sometimes"})), 2);
}

TEST(Cli, MemslotCacheTakesMemCacheTypeNames) {
  auto forced = std::get<Options>(parse({"--kernel", "bz", "--gpu", "--gpu-memslot-cache", "CacheNonCoherent"}));
  EXPECT_EQ(forced.gpu_config.memslot_cache, MemslotCacheOverride::NonCoherent);
  auto lower = std::get<Options>(parse({"--kernel", "bz", "--gpu", "--gpu-memslot-cache", "cachecoherent"}));
  EXPECT_EQ(lower.gpu_config.memslot_cache, MemslotCacheOverride::Coherent);
  EXPECT_EQ(std::get<int>(parse({"--kernel", "bz", "--gpu", "--gpu-memslot-cache", "WriteBack"})), 2);
}

TEST(CliValidators, UnknownMemCacheTypeIsAClearError) {
  CLI::App app;
  MemCacheType parsed = MemCacheType::CacheCoherent;
  add_mem_cache_type_option(app, "--cache", parsed, "test");
  try {
    app.parse("--cache WriteBack", false);
    FAIL() << "expected a validation error";
  } catch (const CLI::ValidationError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown MemCacheType 'WriteBack'"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace vmm
