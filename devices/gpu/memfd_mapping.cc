#include "devices/gpu/memfd_mapping.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace vmm::gpu {

MemfdMapping MemfdMapping::create(const std::string& name, std::uint64_t size) {
  UniqueFd fd(memfd_create(name.c_str(), MFD_CLOEXEC));
  if (!fd.valid()) throw std::system_error(errno, std::generic_category(), "memfd_create for " + name);
  if (ftruncate(fd.get(), static_cast<off_t>(size)) != 0)
    throw std::system_error(errno, std::generic_category(),
                            "cannot size the memfd of " + name + " to " + std::to_string(size) + " bytes");
  Mapping mapping = Mapping::shared(fd.get(), size, "the memfd of " + name);
  return MemfdMapping(std::move(fd), std::move(mapping));
}

}  // namespace vmm::gpu
