#include "devices/gpu/process/process_memory.h"

#include <fstream>
#include <sstream>
#include <string>

namespace vmm::gpu::process {

namespace {

std::uint64_t resident_bytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    std::uint64_t kib = 0;
    fields >> kib;
    return kib * 1024;
  }
  return 0;
}

}  // namespace

std::uint64_t resident_bytes_with_children(pid_t pid) {
  std::uint64_t total = resident_bytes(pid);
  if (total == 0) return 0;
  std::ifstream children("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  pid_t child = 0;
  while (children >> child) total += resident_bytes(child);
  return total;
}

}  // namespace vmm::gpu::process
