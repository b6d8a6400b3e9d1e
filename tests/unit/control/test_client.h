// Raw clients for the server tests: a connected Unix socket, lines read with a timeout, so
// that a server that fails to answer fails the test instead of hanging it.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/unique_fd.h"

namespace vmm::control::testing {

// A fresh private directory under $TMPDIR (or /tmp), removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Connects (blocking); an invalid fd when nobody listens.
UniqueFd connect_to(const std::string& path);

class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}
  // The next line without '\n'; nullopt at end of stream or after `timeout_ms` of silence.
  std::optional<std::string> line(int timeout_ms = 5000);
  std::optional<nlohmann::json> json(int timeout_ms = 5000);
  bool closed(int timeout_ms = 5000);  // the server closed the connection (after any lines)

 private:
  int fd_;
  std::string buffer_;
  bool eof_ = false;
};

bool send_all(int fd, const std::string& bytes);

}  // namespace vmm::control::testing
