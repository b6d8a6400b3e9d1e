// Starts virglrenderer's render server (virgl_render_server, where Venus contexts run) for
// vmm-gpu-process. virglrenderer would fork and exec it itself, from RENDER_SERVER_EXEC_PATH
// or /usr/libexec; but exec'd directly, the root's server binary gets the host's loader from
// its PT_INTERP and the host's C library, which is too old for it. So the process starts it
// the way it was started itself, under the root's loader, and hands virglrenderer the
// connected socket through the get_server_fd callback (callbacks version 3), as crosvm does
// for its sandboxed server.
#pragma once

#include "devices/gpu/process/renderer_root.h"

namespace vmm::gpu::process {

// The vmm-gpu-process end of a SOCK_SEQPACKET socketpair whose other end the server was
// given (--socket-fd 3), or -errno. The server dies with this process (PR_SET_PDEATHSIG)
// and inherits its seccomp policy and rlimits.
int launch_render_server(const RendererRoot& root);

}  // namespace vmm::gpu::process
