// KvmError: a failed KVM ioctl during set-up, with the ioctl's name and errno in what().
#pragma once

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace vmm {

class KvmError : public std::runtime_error {
 public:
  KvmError(const std::string& what_failed, int error)
      : std::runtime_error(what_failed + ": " + std::strerror(error)), error_(error) {}
  int error() const { return error_; }

 private:
  int error_;
};

}  // namespace vmm
