// Everything readable from FD until end of file (a pipe whose writer has closed): what the
// log line forwarder's test and fuzz target read back from it.
#pragma once

#include <unistd.h>

#include <string>

namespace vmm::test {

inline std::string read_to_end(int fd) {
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  return text;
}

}  // namespace vmm::test
