#include "devices/gpu/process/drm_native_context.h"

#include <algorithm>
#include <filesystem>

namespace vmm::gpu::process {

std::vector<RenderNode> host_render_nodes(const std::string& sysfs_root) {
  std::vector<RenderNode> nodes;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(sysfs_root + "/class/drm", ec)) {
    const std::string name = entry.path().filename();
    if (!name.starts_with("renderD")) continue;
    const auto driver = std::filesystem::read_symlink(entry.path() / "device" / "driver", ec);
    nodes.push_back({name, ec ? "" : driver.filename().string()});
  }
  std::sort(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return nodes;
}

std::string drm_native_context_refusal(const std::string& sysfs_root) {
  const auto nodes = host_render_nodes(sysfs_root);
  std::string have, usable;
  for (const auto& node : nodes) {
    const std::string item = node.name + " (" + (node.driver.empty() ? "no driver" : node.driver) + ")";
    have += (have.empty() ? "" : ", ") + item;
    for (const char* driver : kDrmNativeContextDrivers)
      if (node.driver == driver) usable += (usable.empty() ? "" : ", ") + item;
  }
  const std::string head = "--gpu-renderer drm: ";
  if (!usable.empty())
    return head + "the host has " + usable + ", but DRM native contexts run in virglrenderer 1.3.0 in "
           "vmm's renderer process, which does not serve the device yet (issue 22's next step)";
  if (nodes.empty())
    return head + "DRM native contexts need an amdgpu, i915 or msm render node, and this host has no "
           "render node at all (" + sysfs_root + "/class/drm has no renderD*)";
  return head + "DRM native contexts need an amdgpu, i915 or msm render node; this host has only " + have;
}

}  // namespace vmm::gpu::process
