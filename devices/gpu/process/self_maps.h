// What this process's own address space holds at an address, read from /proc/self/maps:
// used by vmm-gpu-process to find where a blob the renderer mapped lies within the fd it
// hands to vmm, and whether memory it would give a memfd in place is private anonymous.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace vmm::gpu::process {

struct SelfMapping {
  std::uintptr_t start = 0, end = 0;
  bool shared = false;         // 's' in the permissions (MAP_SHARED)
  std::uint64_t file_offset = 0;
  unsigned dev_major = 0, dev_minor = 0;
  std::uint64_t inode = 0;
  std::string path;            // "" for anonymous memory
};

// One /proc/self/maps line parsed; nullopt for a line that is not one.
std::optional<SelfMapping> parse_maps_line(const char* line);

// The mapping that contains ADDR, if any.
std::optional<SelfMapping> mapping_containing(std::uintptr_t addr);

// Whether [start, end) is covered by private anonymous mappings only (the heap included).
bool private_anonymous(std::uintptr_t start, std::uintptr_t end);

// Where ADDR lies within the file FD refers to, when ADDR is inside a mapping of that file
// (same device and inode): the byte offset into the file. nullopt when ADDR maps something
// else, so that the fd's offset 0 would be the wrong memory.
std::optional<std::uint64_t> offset_in_fd(std::uintptr_t addr, int fd);

}  // namespace vmm::gpu::process
