// Where the virglrenderer backend runs, decided once at start-up (issue 22): in
// vmm-gpu-process over the renderer root's virglrenderer (1.3.0, scripts/renderer-root), when
// the root is complete and the program is there; otherwise in vmm itself over the system's
// (Debian 12's 0.10.4), and start-up says in one line which, and why. Venus needs the first:
// 0.10.4 speaks Venus wire format 0, which current guest Mesa refuses.
//
//   VMM_GPU_RENDERER_PROCESS=off  keeps the renderer in vmm even where the root is there
//   VMM_GPU_PROCESS=PATH          the program to start (default: beside the vmm executable)
//   VMM_RENDERER_ROOT=PATH        the root (default: the per-user cache's `current`)
#pragma once

#include <optional>
#include <string>

#include "devices/gpu/process/renderer_root.h"

namespace vmm::gpu::process {

struct RendererPlacement {
  std::optional<RendererRoot> root;  // set: the renderer runs in `program` under this root
  std::string program;
  std::string why_in_process;        // unset root: why, one clause

  bool in_process() const { return !root.has_value(); }
};

RendererPlacement place_renderer();

// VMM_GPU_PROCESS where set, else vmm-gpu-process beside the running executable.
std::string gpu_process_program();

}  // namespace vmm::gpu::process
