// BootError: every way preparing a guest for boot can fail. what() is one line the user can
// act on (name the file, the number that was wrong and the limit it broke), because main
// prints it as is after "vmm: error: ".
#pragma once

#include <stdexcept>
#include <string>

namespace vmm {

class BootError : public std::runtime_error {
 public:
  explicit BootError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace vmm
