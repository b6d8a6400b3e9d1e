#include "devices/gpu/process/self_maps.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstdio>
#include <cstring>

namespace vmm::gpu::process {

std::optional<SelfMapping> parse_maps_line(const char* line) {
  unsigned long lo = 0, hi = 0;
  unsigned long long offset = 0, inode = 0;
  unsigned dev_major = 0, dev_minor = 0;
  char perms[8] = {};
  int path_at = 0;
  if (std::sscanf(line, "%lx-%lx %7s %llx %x:%x %llu %n", &lo, &hi, perms, &offset, &dev_major, &dev_minor, &inode,
                  &path_at) < 7 ||
      path_at == 0 || lo >= hi || std::strlen(perms) != 4)
    return std::nullopt;
  SelfMapping m;
  m.start = lo;
  m.end = hi;
  m.shared = perms[3] == 's';
  m.file_offset = offset;
  m.dev_major = dev_major;
  m.dev_minor = dev_minor;
  m.inode = inode;
  m.path = line + path_at;
  while (!m.path.empty() && (m.path.back() == '\n' || m.path.back() == ' ')) m.path.pop_back();
  return m;
}

namespace {

// Calls VISIT(mapping) for each line until it returns false.
template <typename Visit>
void each_mapping(Visit visit) {
  std::FILE* maps = std::fopen("/proc/self/maps", "re");
  if (maps == nullptr) return;
  char line[4096];
  while (std::fgets(line, sizeof line, maps) != nullptr) {
    auto m = parse_maps_line(line);
    if (m && !visit(*m)) break;
  }
  std::fclose(maps);
}

}  // namespace

std::optional<SelfMapping> mapping_containing(std::uintptr_t addr) {
  std::optional<SelfMapping> found;
  each_mapping([&](const SelfMapping& m) {
    if (addr >= m.start && addr < m.end) found = m;
    return !found;
  });
  return found;
}

bool private_anonymous(std::uintptr_t start, std::uintptr_t end) {
  std::uintptr_t covered = start;
  each_mapping([&](const SelfMapping& m) {
    if (m.end <= covered || m.start > covered) return true;
    const bool anonymous = m.inode == 0 && (m.path.empty() || m.path == "[heap]");
    if (m.shared || !anonymous) return false;
    covered = m.end;
    return covered < end;
  });
  return covered >= end;
}

std::optional<std::uint64_t> offset_in_fd(std::uintptr_t addr, int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return std::nullopt;
  const auto m = mapping_containing(addr);
  if (!m || m->inode != st.st_ino || m->dev_major != major(st.st_dev) || m->dev_minor != minor(st.st_dev))
    return std::nullopt;
  return m->file_offset + (addr - m->start);
}

}  // namespace vmm::gpu::process
