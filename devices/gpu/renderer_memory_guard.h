// RendererMemoryGuard: the second line of the renderer's memory bound. The first,
// renderer_charge.h, charges what a request will make the renderer allocate before it runs;
// but a renderer also allocates for what no request names (compiled shaders, state objects,
// a Venus context's Vulkan memory), inside virglrenderer and the host GPU driver where vmm
// cannot count. So after each renderer command the device samples the process's anonymous
// resident memory (RssAnon, /proc/self/statm) and compares it with
//
//     bound = baseline (when the renderer was up) + guest RAM + 2 x renderer memory limit
//
// Guest RAM is in it because it is anonymous memory too and the guest may touch all of it;
// one limit covers what was charged, the other what was not. Over the bound, the device
// destroys every renderer context (what they hold goes with them) and answers the command
// ERR_OUT_OF_MEMORY. The statm fd is opened at construction, before the render thread
// confines itself, and read with pread64.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/unique_fd.h"

namespace vmm::gpu {

class RendererMemoryGuard {
 public:
  // Anonymous resident bytes, or nullopt when they cannot be read.
  using Sampler = std::function<std::optional<std::uint64_t>()>;

  // Samples /proc/self/statm; nullptr, with why in *error, when it cannot be opened or read.
  static std::unique_ptr<RendererMemoryGuard> for_this_process(std::uint64_t allowance,
                                                               std::string* error);
  // The baseline is the sampler's first answer (0 when it has none).
  RendererMemoryGuard(Sampler sample, std::uint64_t allowance);

  // Samples; true when the process is over baseline + allowance. A failed sample is not
  // "over": the charges still bound what requests allocate.
  bool over();
  std::uint64_t baseline() const { return baseline_; }
  std::uint64_t bound() const { return baseline_ + allowance_; }
  std::uint64_t last_sample() const { return last_; }
  std::uint64_t highest_sample() const { return highest_; }
  // The statm fd for_this_process() reads with pread64 (-1 otherwise): the render thread's
  // seccomp list names it.
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  Sampler sample_;
  std::uint64_t allowance_;
  std::uint64_t baseline_ = 0;
  std::uint64_t last_ = 0;
  std::uint64_t highest_ = 0;
};

// RssAnon from statm's text ("size resident shared ..." in pages): resident - shared.
std::optional<std::uint64_t> anonymous_bytes_from_statm(std::string_view statm, std::uint64_t page_size);

}  // namespace vmm::gpu
