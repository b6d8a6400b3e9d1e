// Bad input from the user, tried as a new user would: every option with a wrong value, config
// files with wrong types or unknown keys, kernels and initrds that are not files vmm can load
// (a directory, a FIFO, /dev/zero, a 4 GiB sparse file, an initrd larger than RAM, an
// unreadable path). Each must give one line on stderr naming the problem, exit 1 (set-up) or
// 2 (usage), no signal (no core), and leave no output file behind. All of these are refused
// before /dev/kvm is opened, so they run on every machine.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/integration/test_env.h"

namespace vmm::test {
namespace {

namespace fs = std::filesystem;

struct BadInput {
  std::string name;               // test name suffix
  std::vector<std::string> args;  // @DIR@ is replaced by the scratch directory, @K@ by a kernel
  int exit_code;
  std::string stderr_has;         // a part of the one line
};

class BadUserInput : public ::testing::TestWithParam<BadInput> {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("vmm-bad-input-" + std::to_string(::getpid()) + "-" +
                                             GetParam().name);
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "outputs");
    fs::create_directories(dir_ / "a-directory");
    ASSERT_EQ(::mkfifo((dir_ / "fifo").c_str(), 0600), 0);
    { std::ofstream sparse(dir_ / "sparse"); }
    fs::resize_file(dir_ / "sparse", 4ull << 30);  // holes: no disk used
    { std::ofstream big(dir_ / "initrd-64M"); }
    fs::resize_file(dir_ / "initrd-64M", 64ull << 20);
    { std::ofstream(dir_ / "unknown-key.toml") << "kernel = \"" << kTinyGuestImage << "\"\nmemory = \"1G\"\n"; }
    { std::ofstream(dir_ / "wrong-type.toml") << "kernel = \"" << kTinyGuestImage << "\"\ncpus = \"two\"\n"; }
    { std::ofstream(dir_ / "wrong-bool.toml") << "kernel = \"" << kTinyGuestImage << "\"\ngpu = \"yes please\"\n"; }
    { std::ofstream(dir_ / "not-toml.toml") << "[[[\n"; }
    { std::ofstream(dir_ / "bad-enum.toml") << "kernel = \"" << kTinyGuestImage << "\"\ngpu = true\ngpu-blob-cache = \"purple\"\n"; }
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> args() const {
    std::vector<std::string> out;
    for (std::string a : GetParam().args) {
      for (auto [key, value] : {std::pair<std::string, std::string>{"@DIR@", dir_.string()},
                                {"@K@", kTinyGuestImage}})
        for (std::size_t at; (at = a.find(key)) != std::string::npos;) a.replace(at, key.size(), value);
      out.push_back(a);
    }
    return out;
  }

  fs::path dir_;
};

TEST_P(BadUserInput, OneLineNonZeroExitNoCoreNothingLeftBehind) {
  const BadInput& c = GetParam();
  const ProcessResult r = run_vmm(args());
  ASSERT_TRUE(r.exited) << "killed by a signal (a core): " << r.describe();
  EXPECT_EQ(r.exit_code, c.exit_code) << r.describe();
  const auto lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.describe();
  EXPECT_NE(lines[0].find(c.stderr_has), std::string::npos) << "want '" << c.stderr_has << "'\n" << r.describe();
  EXPECT_TRUE(r.out.empty()) << r.describe();
  EXPECT_TRUE(fs::is_empty(dir_ / "outputs")) << "an output file was left behind";
}

const std::string kOut = "@DIR@/outputs/";

INSTANTIATE_TEST_SUITE_P(
    Cli, BadUserInput,
    ::testing::Values(
        // Options with wrong values.
        BadInput{"mem_suffix", {"--kernel", "@K@", "--mem", "12Q"}, 2, "--mem: invalid size '12Q'"},
        BadInput{"mem_zero", {"--kernel", "@K@", "--mem", "0"}, 2, "--mem: size '0' is below the minimum"},
        BadInput{"mem_negative", {"--kernel", "@K@", "--mem", "-5"}, 2, "--mem: invalid size '-5'"},
        BadInput{"mem_unaligned", {"--kernel", "@K@", "--mem", "16777217"}, 2, "not a multiple of 4K"},
        BadInput{"cpus_zero", {"--kernel", "@K@", "--cpus", "0"}, 2, "--cpus"},
        BadInput{"cpus_word", {"--kernel", "@K@", "--cpus", "many"}, 2, "--cpus"},
        BadInput{"cpus_huge", {"--kernel", "@K@", "--cpus", "100000"}, 2, "--cpus"},
        BadInput{"log_level", {"--kernel", "@K@", "--log-level", "loud"}, 2, "--log-level"},
        BadInput{"hostmem_no_gpu", {"--kernel", "@K@", "--gpu-hostmem", "4M"}, 2, "--gpu-hostmem requires --gpu"},
        BadInput{"hostmem_not_pow2", {"--kernel", "@K@", "--gpu", "--gpu-hostmem", "3M"}, 2, "not a power of two"},
        BadInput{"renderer_memory_small", {"--kernel", "@K@", "--gpu", "--gpu-renderer-memory", "1M"}, 2, "below the minimum of 64M"},
        BadInput{"renderer_memory_huge", {"--kernel", "@K@", "--gpu", "--gpu-renderer-memory", "1T"}, 2, "above the maximum of 64G"},
        BadInput{"renderer_memory_no_gpu", {"--kernel", "@K@", "--gpu-renderer-memory", "1G"}, 2, "--gpu-renderer-memory requires --gpu"},
        BadInput{"blob_cache", {"--kernel", "@K@", "--gpu", "--gpu-blob-cache", "purple"}, 2, "unknown mode 'purple'"},
        BadInput{"blob_mapping", {"--kernel", "@K@", "--gpu", "--gpu-blob-mapping", "x"}, 2, "--gpu-blob-mapping"},
        BadInput{"memslot_cache", {"--kernel", "@K@", "--gpu", "--gpu-memslot-cache", "WB"}, 2, "--gpu-memslot-cache"},
        BadInput{"noncoherent", {"--kernel", "@K@", "--noncoherent-dma", "maybe"}, 2, "--noncoherent-dma"},
        BadInput{"seccomp_mode", {"--kernel", "@K@", "--seccomp", "sometimes"}, 2, "--seccomp"},
        BadInput{"unknown_option", {"--kernel", "@K@", "--turbo"}, 2, "--turbo"},
        BadInput{"no_kernel", {}, 2, "--kernel is required"},
        BadInput{"json_without_probe", {"--kernel", "@K@", "--json"}, 2, "--json"},
        BadInput{"dtb_both", {"--kernel", "@K@", "--no-dtb", "--dump-dtb", kOut + "x.dtb"}, 2, "--no-dtb"},
        // Output files vmm could not write: refused before anything runs.
        BadInput{"report_no_dir", {"--kernel", "@K@", "--report", "@DIR@/missing/r.json"}, 2, "no directory"},
        BadInput{"report_is_dir", {"--kernel", "@K@", "--report", "@DIR@/a-directory"}, 2, "is a directory"},
        BadInput{"trace_no_dir", {"--kernel", "@K@", "--memslot-trace", "@DIR@/missing/t"}, 2, "--memslot-trace"},
        BadInput{"dtb_no_dir", {"--kernel", "@K@", "--dump-dtb", "@DIR@/missing/x.dtb"}, 2, "--dump-dtb"},
        BadInput{"png_no_dir", {"--kernel", "@K@", "--gpu", "--gpu-screenshot", "@DIR@/missing/x.png"}, 2,
                 "--gpu-screenshot"},
        // Config files.
        BadInput{"config_missing", {"--config", "@DIR@/none.toml"}, 2, "No such file or directory"},
        BadInput{"config_dir", {"--config", "@DIR@/a-directory"}, 2, "not a regular file"},
        BadInput{"config_fifo", {"--config", "@DIR@/fifo"}, 2, "not a regular file"},
        BadInput{"config_unknown_key", {"--config", "@DIR@/unknown-key.toml"}, 2, "'memory'"},
        BadInput{"config_wrong_type", {"--config", "@DIR@/wrong-type.toml"}, 2, "--cpus"},
        BadInput{"config_wrong_bool", {"--config", "@DIR@/wrong-bool.toml"}, 2, "--gpu"},
        BadInput{"config_not_toml", {"--config", "@DIR@/not-toml.toml"}, 2, "'[[['"},
        BadInput{"config_bad_enum", {"--config", "@DIR@/bad-enum.toml"}, 2, "unknown mode 'purple'"},
        // Kernels and initrds vmm cannot load: set-up errors naming the file, with every
        // output option given, to show none is left behind.
        BadInput{"kernel_dir", {"--kernel", "@DIR@/a-directory", "--report", kOut + "r.json"}, 1, "it is a directory"},
        BadInput{"kernel_fifo", {"--kernel", "@DIR@/fifo", "--report", kOut + "r.json"}, 1, "not a regular file"},
        BadInput{"kernel_dev_zero", {"--kernel", "/dev/zero", "--memslot-trace", kOut + "t"}, 1,
                 "cannot read kernel '/dev/zero': not a regular file"},
        BadInput{"kernel_sparse_4g", {"--kernel", "@DIR@/sparse", "--dump-dtb", kOut + "x.dtb"}, 1,
                 "is 4 GiB, more than vmm loads as a kernel"},
        BadInput{"kernel_missing", {"--kernel", "@DIR@/nope"}, 1, "No such file or directory"},
        BadInput{"kernel_not_bzimage", {"--kernel", "@DIR@/unknown-key.toml"}, 1, "is not a bzImage"},
        BadInput{"initrd_larger_than_ram",
                 {"--kernel", "@K@", "--mem", "32M", "--initrd", "@DIR@/initrd-64M", "--report", kOut + "r.json"},
                 1, "more than the guest's RAM (32 MiB)"},
        BadInput{"initrd_sparse_4g", {"--kernel", "@K@", "--initrd", "@DIR@/sparse"}, 1, "initrd"},
        BadInput{"initrd_fifo", {"--kernel", "@K@", "--initrd", "@DIR@/fifo"}, 1, "not a regular file"},
        BadInput{"initrd_dir", {"--kernel", "@K@", "--initrd", "@DIR@/a-directory"}, 1, "it is a directory"},
        BadInput{"cmdline_too_long", {"--kernel", "@K@", "--cmdline", std::string(100000, 'a')}, 1,
                 "command line is 100000 bytes, kernel accepts at most"}),
    [](const ::testing::TestParamInfo<BadInput>& info) { return info.param.name; });

// A path the user cannot read. Root reads files whatever their mode, so as root vmm runs as
// nobody (setpriv, util-linux) for this one; the file and vmm stay where they are.
TEST(BadUserInputUnreadable, KernelWithoutReadPermission) {
  const std::uint8_t byte[] = {1};
  TempFile kernel("unreadable", byte);
  ASSERT_EQ(::chmod(kernel.path().c_str(), 0), 0);
  std::vector<std::string> argv = {kVmmBinary, "--kernel", kernel.path()};
  if (::geteuid() == 0) {
    if (::access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "root, and no setpriv to drop to nobody";
    argv.insert(argv.begin(), {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
  }
  const ProcessResult r = run_process(argv, kVmmWatchdog);
  ASSERT_TRUE(r.exited) << r.describe();
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  ASSERT_EQ(lines_of(r.err).size(), 1u) << r.describe();
  EXPECT_NE(r.err.find("cannot open kernel '" + kernel.path() + "': Permission denied"), std::string::npos)
      << r.describe();
}

}  // namespace
}  // namespace vmm::test
