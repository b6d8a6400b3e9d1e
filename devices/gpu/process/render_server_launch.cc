#include "devices/gpu/process/render_server_launch.h"

#include <fcntl.h>

#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>
#include <vector>

#include "devices/gpu/process/log_line_forwarder.h"

namespace vmm::gpu::process {

int launch_render_server(const RendererRoot& root) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return -errno;
  // The server's stdout and stderr: a pipe this process reads, so that what a guest makes it
  // print reaches vmm's stderr bounded (log_line_forwarder.h), not as it writes it.
  int log[2];
  if (pipe2(log, O_CLOEXEC) != 0) {
    const int err = errno;
    close(sv[0]);
    close(sv[1]);
    return -err;
  }
  // argv built before fork: between fork and exec only async-signal-safe calls (llvmpipe's
  // threads may hold malloc's locks).
  const std::vector<std::string> args = root.command(root.render_server(), {"--socket-fd", "3"});
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    for (int fd : {sv[0], sv[1], log[0], log[1]}) close(fd);
    return -err;
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    // fd 3 becomes the server's socket (dup2 clears CLOEXEC); the process's own channel to
    // vmm, which was fd 3, is not the server's to hold.
    if (dup2(sv[1], 3) < 0 || dup2(log[1], 1) < 0 || dup2(log[1], 2) < 0) _exit(127);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(sv[1]);
  close(log[1]);
  forward_log_lines_in_background(log[0], "vmm-gpu-process: render server");
  return sv[0];
}

}  // namespace vmm::gpu::process
