#include "devices/gpu/process/renderer_root.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace vmm::gpu::process {

namespace {

constexpr const char* kMultiarch = "x86_64-linux-gnu";
constexpr const char* kMarker = ".vmm-root-complete";  // written last by scripts/renderer-root

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

}  // namespace

std::string RendererRoot::upstream_version() const {
  std::string v = debian_version;
  if (auto colon = v.find(':'); colon != std::string::npos) v = v.substr(colon + 1);
  if (auto dash = v.rfind('-'); dash != std::string::npos) v = v.substr(0, dash);
  return v;
}

std::string RendererRoot::manifest() const { return path + "/vmm-renderer-root.manifest"; }
std::string RendererRoot::loader() const { return path + "/lib64/ld-linux-x86-64.so.2"; }
std::string RendererRoot::library_path() const {
  return path + "/usr/lib/" + kMultiarch + ":" + path + "/lib/" + kMultiarch;
}
std::string RendererRoot::render_server() const { return path + "/usr/libexec/virgl_render_server"; }

std::vector<std::string> RendererRoot::environment() const {
  // Only lavapipe's ICD: the root's other drivers are for GPUs this host may have, which the
  // next step will offer deliberately, not by the loader's scan.
  std::vector<std::string> icds;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(path + "/usr/share/vulkan/icd.d", ec)) {
    const std::string name = entry.path().filename();
    if (name.starts_with("lvp_icd") && name.ends_with(".json")) icds.push_back(entry.path());
  }
  std::sort(icds.begin(), icds.end());
  std::string icd_list;
  for (const auto& icd : icds) icd_list += (icd_list.empty() ? "" : ":") + icd;
  const std::string lib = path + "/usr/lib/" + kMultiarch;
  return {
      "LIBGL_DRIVERS_PATH=" + lib + "/dri",
      "__EGL_VENDOR_LIBRARY_DIRS=" + path + "/usr/share/glvnd/egl_vendor.d",
      "GBM_BACKENDS_PATH=" + lib + "/gbm",
      "VK_DRIVER_FILES=" + icd_list,
      "VK_ICD_FILENAMES=" + icd_list,  // the loader before 1.3.207 reads this name
      // The host's implicit layers (Debian 12's Mesa device-select) stay out.
      "VK_IMPLICIT_LAYER_PATH=" + path + "/usr/share/vulkan/implicit_layer.d",
      "XDG_DATA_DIRS=" + path + "/usr/share",
      "XDG_CONFIG_DIRS=" + path + "/etc/xdg",
  };
}

std::vector<std::string> RendererRoot::command(const std::string& program,
                                               const std::vector<std::string>& args) const {
  std::vector<std::string> argv{loader(), "--library-path", library_path(), program};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::string default_renderer_root_path() {
  const std::string cache = env_or("XDG_CACHE_HOME", env_or("HOME", "/nonexistent") + "/.cache");
  return env_or("VMM_RENDERER_ROOT", cache + "/vmm/renderer-root/current");
}

std::optional<RendererRoot> find_renderer_root(const std::string& path, std::string* why_not) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    *why_not = "no renderer root at " + path + " (scripts/renderer-root makes it)";
    return std::nullopt;
  }
  RendererRoot root{std::filesystem::canonical(path, ec).string(), {}};
  if (ec) root.path = path;
  if (!std::filesystem::exists(root.path + "/" + kMarker, ec)) {
    *why_not = "the renderer root at " + root.path + " is incomplete (no " + kMarker +
               "; scripts/renderer-root builds it again)";
    return std::nullopt;
  }
  std::ifstream manifest(root.manifest());
  for (std::string line; std::getline(manifest, line);)
    if (line.starts_with("libvirglrenderer1=")) root.debian_version = line.substr(18);
  if (root.debian_version.empty()) {
    *why_not = root.manifest() + " names no libvirglrenderer1 version";
    return std::nullopt;
  }
  if (!std::filesystem::exists(root.loader(), ec) || !std::filesystem::exists(root.render_server(), ec)) {
    *why_not = "the renderer root at " + root.path + " lacks its loader or virgl_render_server";
    return std::nullopt;
  }
  return root;
}

}  // namespace vmm::gpu::process
