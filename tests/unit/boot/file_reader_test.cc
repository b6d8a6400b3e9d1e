#include "boot/file_reader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "boot/bzimage.h"
#include "boot/linux_loader.h"
#include "tests/unit/boot/boot_test_util.h"
#include "tests/unit/boot/test_bzimage.h"

namespace vmm {
namespace {

constexpr std::uint64_t kMax = 16 << 20;

namespace fs = std::filesystem;

class FileReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vmm_boot_file_reader_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write_file(const std::string& name, const std::string& contents) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << contents;
    return path.string();
  }

  fs::path dir_;
};

TEST_F(FileReaderTest, ReadsWholeFile) {
  std::string contents(3 << 20, 'a');  // more than one read chunk
  contents.back() = 'z';
  const auto path = write_file("k", contents);
  const auto bytes = read_whole_file(path, "kernel", kMax, "the limit");
  ASSERT_EQ(bytes.size(), contents.size());
  EXPECT_EQ(bytes.front(), 'a');
  EXPECT_EQ(bytes.back(), 'z');
}

TEST_F(FileReaderTest, MissingFile) {
  const std::string path = (dir_ / "nope").string();
  EXPECT_BOOT_ERROR(read_whole_file(path, "kernel", kMax, "the limit"),
                    "cannot open kernel '" + path + "': No such file or directory");
}

TEST_F(FileReaderTest, Directory) {
  EXPECT_BOOT_ERROR(read_whole_file(dir_.string(), "initrd", kMax, "the limit"),
                    "cannot read initrd '" + dir_.string() + "': it is a directory");
}

TEST_F(FileReaderTest, FifoIsRefusedWithoutBlocking) {
  const auto path = (dir_ / "fifo").string();
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  // No writer: a blocking open would wait forever.
  EXPECT_BOOT_ERROR(read_whole_file(path, "kernel", kMax, "the limit"),
                    "cannot read kernel '" + path + "': not a regular file");
}

TEST_F(FileReaderTest, FileLargerThanTheLimitIsRefusedBeforeReading) {
  const auto path = (dir_ / "sparse").string();
  { std::ofstream touch(path); }
  ASSERT_EQ(::truncate(path.c_str(), 4ull << 30), 0);  // 4 GiB of holes: reading would take long
  EXPECT_BOOT_ERROR(read_whole_file(path, "initrd", kMax, "the guest's RAM"),
                    "initrd '" + path + "' is 4 GiB, more than the guest's RAM (16 MiB)");
}

TEST_F(FileReaderTest, EmptyFile) {
  const auto path = write_file("empty", "");
  EXPECT_BOOT_ERROR(read_whole_file(path, "initrd", kMax, "the limit"), "initrd '" + path + "' is empty");
}

TEST_F(FileReaderTest, NotRegularFile) {
  EXPECT_BOOT_ERROR(read_whole_file("/dev/null", "kernel", kMax, "the limit"),
                    "cannot read kernel '/dev/null': not a regular file");
}

TEST_F(FileReaderTest, ReadErrorIsReported) {
  // Offset 0 of /proc/self/mem is an unmapped address: open succeeds, read fails with EIO.
  EXPECT_BOOT_ERROR(read_whole_file("/proc/self/mem", "kernel", kMax, "the limit"),
                    "cannot read kernel '/proc/self/mem': Input/output error");
}

TEST_F(FileReaderTest, Unreadable) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files regardless of their mode";
  const auto path = write_file("secret", "x");
  ASSERT_EQ(::chmod(path.c_str(), 0), 0);
  EXPECT_BOOT_ERROR(read_whole_file(path, "kernel", kMax, "the limit"),
                    "cannot open kernel '" + path + "': Permission denied");
}

TEST_F(FileReaderTest, ReadBzImageNamesTheFile) {
  const auto bytes = testing::make_bzimage();
  const auto path = write_file("bzImage", std::string(bytes.begin(), bytes.end()));
  const BzImage image = read_bzimage(path);
  EXPECT_EQ(image.name, path);
  EXPECT_EQ(image.kernel_size, 8192u);
  EXPECT_BOOT_ERROR(read_bzimage(path + ".missing"),
                    "cannot open kernel '" + path + ".missing': No such file or directory");
}

TEST_F(FileReaderTest, ReadInitrdNamesTheFile) {
  const auto path = write_file("initrd.img", "070701");
  const InitrdImage initrd = read_initrd(path, 1 << 20);
  EXPECT_EQ(initrd.name, path);
  EXPECT_EQ(std::string(initrd.bytes.begin(), initrd.bytes.end()), "070701");
  EXPECT_BOOT_ERROR(read_initrd(dir_.string(), 1 << 20), "cannot read initrd '");
}

}  // namespace
}  // namespace vmm
