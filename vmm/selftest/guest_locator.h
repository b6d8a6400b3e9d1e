// Where --self-test finds the tiny guest: --self-test-guest when given; else beside the
// executable as installed (<prefix>/bin/vmm -> <prefix>/share/vmm/tiny-guest.bzImage);
// else as built (<build>/vmm/vmm -> <build>/tests/guest/tiny-guest.bzImage).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace vmm {

// The places looked at, in order, for an executable at `executable`.
std::vector<std::string> tiny_guest_candidates(const std::string& executable);

// The first candidate that is a regular file, or nullopt.
std::optional<std::string> find_tiny_guest(const std::string& executable);

// This process's executable (/proc/self/exe), or empty where it cannot be read.
std::string own_executable();

}  // namespace vmm
