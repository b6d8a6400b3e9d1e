// DRM native contexts (--gpu-renderer drm): virglrenderer 1.3.0 forwards a guest's own GPU
// driver (amdgpu, i915, msm) to the host's kernel driver of the same GPU, so they exist only
// where the host has that GPU's render node. vmm looks before it offers them: the driver
// behind each /sys/class/drm/renderD*/device/driver link.
#pragma once

#include <string>
#include <vector>

namespace vmm::gpu::process {

struct RenderNode {
  std::string name;    // "renderD128"
  std::string driver;  // "amdgpu", "virtio-pci", ... ("" when the link cannot be read)
};

// The drivers virglrenderer 1.3.0 has native contexts for.
inline constexpr const char* kDrmNativeContextDrivers[] = {"amdgpu", "i915", "msm"};

// Every render node under SYSFS_ROOT (normally "/sys"; tests give a fake tree), by name.
std::vector<RenderNode> host_render_nodes(const std::string& sysfs_root);

// The one line --gpu-renderer drm is refused with: no render node of those drivers (what
// the host has instead), or, where one is there, that vmm cannot serve it yet (the renderer
// process does not reach the device; issue 22's next step).
std::string drm_native_context_refusal(const std::string& sysfs_root);

}  // namespace vmm::gpu::process
