#include "boot/file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/format.h"
#include "base/unique_fd.h"
#include "boot/boot_error.h"

namespace vmm {

namespace {

std::string quoted(std::string_view label, const std::string& path) {
  return std::string(label) + " '" + path + "'";
}

}  // namespace

std::vector<std::uint8_t> read_whole_file(const std::string& path, std::string_view label,
                                          std::uint64_t max_bytes, std::string_view limit) {
  const std::string what = quoted(label, path);
  const auto too_big = [&](std::uint64_t size) {
    return BootError(what + " is " + human_size(size) + ", more than " + std::string(limit) + " (" +
                     human_size(max_bytes) + ")");
  };
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) throw BootError("cannot open " + what + ": " + std::strerror(errno));

  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    throw BootError("cannot read " + what + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw BootError("cannot read " + what + ": it is a directory");
  if (!S_ISREG(st.st_mode)) throw BootError("cannot read " + what + ": not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) throw too_big(st.st_size);

  // st_size is only a hint: read to end of file so a file that changes size underneath
  // still yields exactly what was read.
  std::vector<std::uint8_t> data;
  constexpr std::size_t kChunk = 1 << 20;
  data.reserve(static_cast<std::size_t>(st.st_size) + kChunk);
  for (;;) {
    const std::size_t old_size = data.size();
    data.resize(old_size + kChunk);
    const ssize_t n = ::read(fd.get(), data.data() + old_size, kChunk);
    if (n < 0) {
      if (errno == EINTR) {
        data.resize(old_size);
        continue;
      }
      throw BootError("cannot read " + what + ": " + std::strerror(errno));
    }
    data.resize(old_size + static_cast<std::size_t>(n));
    if (n == 0) break;
    if (data.size() > max_bytes) throw too_big(data.size());  // it grew while being read
  }
  if (data.empty()) throw BootError(what + " is empty");
  return data;
}

}  // namespace vmm
