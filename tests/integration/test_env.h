// What every integration test needs: where vmm and the tiny guest are, whether /dev/kvm
// can be used, temporary input files, and the guest's command-line conventions
// (tests/guest/cmdline.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tests/integration/process_runner.h"

namespace vmm::test {

// Both come from CMake: $<TARGET_FILE:vmm> and VMM_TINY_GUEST_IMAGE.
inline constexpr const char* kVmmBinary = VMM_BINARY;
inline constexpr const char* kTinyGuestImage = VMM_TINY_GUEST_IMAGE;

// A guest that has not finished by then is hung; the boots here take well under a second.
inline constexpr std::chrono::seconds kVmmWatchdog{60};

// Why /dev/kvm is not a usable KVM character device, or nullopt when it is. Never creates it.
std::optional<std::string> kvm_unavailable_reason();

// The CPU this test (and so vmm) runs on is emulated (QEMU TCG): memory-type measurements
// then mean nothing, and vmm must say so. Known from the launcher (scripts/kvm-host exports
// VMM_KVM_HOST=emulated into the commands it runs in its TCG machine), not from vmm's own
// CPUID reading: that is what is being checked. Natively the CPU is taken to be real.
bool host_cpu_emulated();

// Runs vmm with `args` under the watchdog.
ProcessResult run_vmm(const std::vector<std::string>& args, const std::string& stdin_path = "/dev/null");

// The tokens joined by spaces, followed by the guest's vmmtest.end=<K> end marker, K
// being the offset at which that marker starts.
std::string guest_cmdline(const std::vector<std::string>& tokens);

std::uint32_t fnv1a32(std::span<const std::uint8_t> bytes);
std::string hex32(std::uint32_t v);

std::vector<std::uint8_t> read_file(const std::string& path);
std::vector<std::uint8_t> random_bytes(std::size_t n, std::uint32_t seed);

// A file with the given contents under the test temp dir, removed when destroyed.
class TempFile {
 public:
  TempFile(std::string_view name_hint, std::span<const std::uint8_t> contents);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Non-empty lines of s (for "vmm prints one line on stderr").
std::vector<std::string> lines_of(const std::string& s);

}  // namespace vmm::test
