// virglrenderer as vmm-gpu-process hosts it: opened from the renderer root, initialised for
// the contexts asked for (virgl on surfaceless EGL, Venus through the render server), and
// described for the hello reply. One per process (virglrenderer keeps global state).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "devices/gpu/process/renderer_process_message.h"
#include "devices/gpu/process/renderer_root.h"
#include "devices/gpu/renderer/renderer_kind.h"

namespace vmm::gpu::process {

class HostedRenderer {
 public:
  // nullptr with *error when the library cannot be opened or initialised for any context
  // asked for. A context that fails while another initialises is named in hello().notes.
  static std::unique_ptr<HostedRenderer> create(RendererKind kind, const RendererRoot& root,
                                                std::string* error);
  ~HostedRenderer();

  const HelloReply& hello() const { return hello_; }

 private:
  HostedRenderer() = default;
  struct State;
  std::unique_ptr<State> state_;
  HelloReply hello_;
};

}  // namespace vmm::gpu::process
