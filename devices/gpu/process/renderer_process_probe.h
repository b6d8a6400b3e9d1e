// What start-up says about which virglrenderer renders and why (issue 22, first layer). The
// renderer root's virglrenderer 1.3.0 runs in vmm-gpu-process, but the device's backend does
// not talk to that process yet (the next step), so the device renders in-process with the
// system's virglrenderer (Debian 12's 0.10.4): in_process_note() says that, and why, in the
// in-process renderer's start-up line, without starting anything.
//
// With VMM_GPU_RENDERER_PROCESS=probe, start-up also starts the process once, asks its hello,
// shuts it down, and says what it found (probe_line()). Not by default: the device does not
// use it yet, and a start costs about a second natively (EGL on llvmpipe, the render server
// with lavapipe) and far more in the emulated KVM host, on every vmm start with a renderer.
#pragma once

#include <optional>
#include <string>

#include "devices/gpu/renderer/renderer_kind.h"

namespace vmm::gpu::process {

// VMM_GPU_PROCESS where set, else vmm-gpu-process beside the running executable.
std::string gpu_process_program();

// "virglrenderer 0.10.4 in-process, the system's (<why not the root's>)".
std::string in_process_note();

// Whether VMM_GPU_RENDERER_PROCESS asks for the probe ("probe").
bool probe_asked();

// Starts the process for KIND, asks hello and shuts it down: "virglrenderer 1.3.0 (process
// PID, root PATH): virgl on ...; venus wire format N (capsets: ...) — probe only: the device
// still renders in-process with the system's virglrenderer 0.10.4", or why it could not.
std::string probe_line(RendererKind kind);

}  // namespace vmm::gpu::process
