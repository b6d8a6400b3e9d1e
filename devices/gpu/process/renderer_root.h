// The renderer root (scripts/renderer-root): Debian unstable's virglrenderer, its render
// server and everything they need at run time, unpacked into a directory of its own. Its
// C library is newer than the host's (2.38 and later against Debian 12's 2.36), so nothing
// of it is ever loaded into vmm: its programs run under the root's own loader,
//   ROOT/lib64/ld-linux-x86-64.so.2 --library-path ROOT/usr/lib/x86_64-linux-gnu:ROOT/lib/x86_64-linux-gnu PROGRAM
// with Mesa's search paths pointed into the root (environment()), so that no part of the
// host's Mesa 22.3 is mixed in. A program built here against glibc 2.36 (vmm-gpu-process)
// runs under that loader too: glibc keeps its old symbol versions.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace vmm::gpu::process {

struct RendererRoot {
  std::string path;
  std::string debian_version;  // libvirglrenderer1's, from the root's manifest: "1.3.0-1"

  // "1.3.0": the Debian version without its epoch and revision.
  std::string upstream_version() const;
  std::string manifest() const;      // ROOT/vmm-renderer-root.manifest
  std::string loader() const;        // ROOT/lib64/ld-linux-x86-64.so.2
  std::string library_path() const;  // for the loader's --library-path
  std::string render_server() const; // ROOT/usr/libexec/virgl_render_server
  // NAME=VALUE lines: Mesa's EGL vendor and DRI driver paths, GBM's backends, the Vulkan
  // loader's ICD (lavapipe only) and implicit layer paths, all inside the root.
  std::vector<std::string> environment() const;
  // LOADER --library-path PATH PROGRAM ARGS...
  std::vector<std::string> command(const std::string& program,
                                   const std::vector<std::string>& args) const;
};

// VMM_RENDERER_ROOT where set, else ${XDG_CACHE_HOME:-$HOME/.cache}/vmm/renderer-root/current
// (the link scripts/renderer-root points at the root it made or found).
std::string default_renderer_root_path();

// The root at PATH when it is complete (its marker written, its manifest naming
// libvirglrenderer1); otherwise nullopt and *why_not, one line.
std::optional<RendererRoot> find_renderer_root(const std::string& path, std::string* why_not);

}  // namespace vmm::gpu::process
