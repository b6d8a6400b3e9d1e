#include "vmm/report/resident_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace vmm {

namespace {

enum class Owner { GuestRam, GuestDevice, OwnFile, OwnAnonymous };

// A mapping header: "start-end perms offset dev inode [path]", addresses in hex.
bool parse_header(std::string_view line, std::uint64_t* start, std::uint64_t* end,
                  std::string_view* path) {
  const auto dash = line.find('-');
  const auto space = line.find(' ');
  if (dash == std::string_view::npos || space == std::string_view::npos || dash > space) return false;
  if (std::from_chars(line.data(), line.data() + dash, *start, 16).ec != std::errc{}) return false;
  if (std::from_chars(line.data() + dash + 1, line.data() + space, *end, 16).ec != std::errc{})
    return false;
  // Five fields before the path; the path may itself contain spaces.
  std::size_t at = space;
  for (int field = 0; field < 4 && at != std::string_view::npos; ++field) {
    at = line.find_first_not_of(' ', at);
    at = at == std::string_view::npos ? at : line.find(' ', at);
  }
  *path = {};
  if (at != std::string_view::npos) {
    at = line.find_first_not_of(' ', at);
    if (at != std::string_view::npos) *path = line.substr(at);
  }
  return true;
}

// Header lines start with a hex address; field lines ("Rss:      12 kB") with a capital.
bool is_header(std::string_view line) {
  return !line.empty() && ((line[0] >= '0' && line[0] <= '9') || (line[0] >= 'a' && line[0] <= 'f'));
}

Owner owner_of(std::uint64_t start, std::uint64_t end, std::string_view path,
               std::span<const Memslot> slots) {
  for (const Memslot& slot : slots) {
    const auto host = reinterpret_cast<std::uintptr_t>(slot.request.host_addr);
    if (host == 0 || start >= host + slot.request.size || host >= end) continue;
    return slot.is_guest_ram() ? Owner::GuestRam : Owner::GuestDevice;
  }
  if (path.starts_with("/memfd:gpu-blob-")) return Owner::GuestDevice;
  if (path.starts_with("/")) return Owner::OwnFile;
  return Owner::OwnAnonymous;  // heap, stacks, [anon], [vdso]: vmm's own
}

}  // namespace

ResidentMemory classify_smaps(std::string_view smaps, std::span<const Memslot> slots) {
  ResidentMemory result;
  Owner owner = Owner::OwnAnonymous;
  while (!smaps.empty()) {
    const auto newline = smaps.find('\n');
    const std::string_view line = smaps.substr(0, newline);
    smaps.remove_prefix(newline == std::string_view::npos ? smaps.size() : newline + 1);
    if (is_header(line)) {
      std::uint64_t start = 0, end = 0;
      std::string_view path;
      owner = parse_header(line, &start, &end, &path) ? owner_of(start, end, path, slots)
                                                     : Owner::OwnAnonymous;
      continue;
    }
    if (!line.starts_with("Rss:")) continue;
    std::string_view value = line.substr(4);
    value.remove_prefix(std::min(value.find_first_not_of(' '), value.size()));
    std::uint64_t kib = 0;
    if (std::from_chars(value.data(), value.data() + value.size(), kib).ec != std::errc{}) continue;
    const std::uint64_t bytes = kib * 1024;
    switch (owner) {
      case Owner::GuestRam: result.guest_ram += bytes; break;
      case Owner::GuestDevice: result.guest_device += bytes; break;
      case Owner::OwnFile: result.own_file += bytes; break;
      case Owner::OwnAnonymous: result.own_anonymous += bytes; break;
    }
  }
  return result;
}

ResidentMemoryReader ResidentMemoryReader::open_self() {
  return ResidentMemoryReader(UniqueFd(::open("/proc/self/smaps", O_RDONLY | O_CLOEXEC)));
}

std::optional<ResidentMemory> ResidentMemoryReader::sample(std::span<const Memslot> slots,
                                                           std::string* error) const {
  if (!fd_.valid()) {
    *error = "/proc/self/smaps could not be opened at set-up";
    return std::nullopt;
  }
  // pread from 0 makes procfs generate the text afresh; no seek, no reopen.
  std::string text;
  std::size_t used = 0;
  text.resize(256 << 10);
  for (;;) {
    if (used == text.size()) {
      if (text.size() >= kMaxSmapsBytes) {
        *error = "/proc/self/smaps is larger than " + std::to_string(kMaxSmapsBytes >> 20) + " MiB";
        return std::nullopt;
      }
      text.resize(text.size() * 2);
    }
    const ssize_t got = ::pread(fd_.get(), text.data() + used, text.size() - used,
                                static_cast<off_t>(used));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      *error = std::string("reading /proc/self/smaps: ") + std::strerror(errno);
      return std::nullopt;
    }
    if (got == 0) break;
    used += static_cast<std::size_t>(got);
  }
  text.resize(used);
  return classify_smaps(text, slots);
}

}  // namespace vmm
