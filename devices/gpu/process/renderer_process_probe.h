// The start-up line for --gpu-renderer: which virglrenderer runs and why. Where the renderer
// root is complete, vmm starts vmm-gpu-process on it, asks hello, shuts it down, and says
// what it found; but the device's backend does not talk to the process yet (issue 22's next
// step), so the device still renders in-process with the system's virglrenderer, and the
// line says so. Where there is no root, or the process fails, the line says why and that the
// in-process path runs.
#pragma once

#include <cstdint>
#include <string>

#include "devices/gpu/renderer/renderer_kind.h"

namespace vmm::gpu::process {

// VMM_GPU_PROCESS where set, else vmm-gpu-process beside the running executable.
std::string gpu_process_program();

// One line, without the "gpu renderer: " head.
std::string probe_renderer_process(RendererKind kind, std::uint64_t memory_limit);

}  // namespace vmm::gpu::process
