#include "tests/integration/test_env.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <stdexcept>

#include "base/unique_fd.h"

namespace vmm::test {

std::optional<std::string> kvm_unavailable_reason() {
  // A character device first; and never O_CREAT: a missing /dev/kvm must stay missing.
  struct stat st {};
  if (::stat("/dev/kvm", &st) != 0)
    return std::string("/dev/kvm not available: ") + std::strerror(errno) +
           " (ctest runs these tests natively or in the emulated KVM host: scripts/kvm-host)";
  if (!S_ISCHR(st.st_mode)) return std::string("/dev/kvm is not a character device");
  const UniqueFd fd(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
  if (!fd.valid()) return std::string("/dev/kvm not available: ") + std::strerror(errno);
  return std::nullopt;
}

bool host_cpu_emulated() {
  // Said by scripts/kvm-host, which ran this test in its QEMU TCG machine: not vmm's CPUID
  // reading, which is what the tests check.
  const char* where = std::getenv("VMM_KVM_HOST");
  return where != nullptr && std::string_view(where) == "emulated";
}

ProcessResult run_vmm(const std::vector<std::string>& args, const std::string& stdin_path) {
  std::vector<std::string> argv{kVmmBinary};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, kVmmWatchdog, stdin_path);
}

std::string guest_cmdline(const std::vector<std::string>& tokens) {
  std::string s;
  for (const std::string& t : tokens) s += t + " ";
  return s + "vmmtest.end=" + std::to_string(s.size());
}

std::uint32_t fnv1a32(std::span<const std::uint8_t> bytes) {
  std::uint32_t h = 0x811c9dc5u;
  for (std::uint8_t b : bytes) {
    h ^= b;
    h *= 0x01000193u;
  }
  return h;
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open '" + path + "'");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::uint8_t> random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(gen());
  return v;
}

TempFile::TempFile(std::string_view name_hint, std::span<const std::uint8_t> contents) {
  std::string templ = ::testing::TempDir() + "vmm-it-" + std::string(name_hint) + "-XXXXXX";
  const UniqueFd fd(::mkstemp(templ.data()));
  if (!fd.valid()) throw std::runtime_error("mkstemp " + templ + ": " + std::strerror(errno));
  path_ = templ;
  std::size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = ::write(fd.get(), contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = errno;
      ::unlink(path_.c_str());
      throw std::runtime_error("write " + path_ + ": " + std::strerror(e));
    }
    done += static_cast<std::size_t>(n);
  }
}

TempFile::~TempFile() { ::unlink(path_.c_str()); }

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

}  // namespace vmm::test
