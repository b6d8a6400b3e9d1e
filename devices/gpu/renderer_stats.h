// RendererStats: what a renderer backend did, for the VMM's report (VirtioGpu::renderer_stats()).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "devices/gpu/renderer/gpu_renderer.h"

namespace vmm {

struct RendererStats {
  std::string description;                         // GpuRenderer::description()
  std::vector<gpu::CapsetInfo> capsets;
  std::uint64_t renderer_errors = 0;               // renderer calls that failed
  std::uint64_t fences_retired = 0;
  std::uint64_t blob_maps = 0;                     // renderer blobs MAP_BLOB mapped
  std::map<std::string, std::uint64_t> renderer_map_info;  // its answer ("WC", "NONE") -> maps
  std::map<std::string, std::uint64_t> guest_map_info;     // what the guest was told -> maps
  // The bounds (gpu_limits.h, --gpu-renderer-memory) and where they stand.
  std::uint32_t live_contexts = 0;                 // contexts alive in the renderer
  std::uint64_t charged_bytes = 0;                 // renderer memory charged to the guest
  std::uint64_t charge_limit = 0;                  // VirtioGpuConfig::renderer_memory_limit
  std::uint64_t charge_refusals = 0;               // requests refused ERR_OUT_OF_MEMORY for it
  std::uint64_t memory_overruns = 0;               // times the watch found the process over
                                                   // its bound and destroyed the contexts
  // Filled in by the device, which holds them.
  std::uint32_t held_responses = 0;                // fenced responses waiting for their fence
  std::uint64_t held_buffers = 0;                  // the writable buffers they keep
  std::optional<gpu::RendererProcessState> process;  // where it runs beside vmm, if it does
};

}  // namespace vmm
