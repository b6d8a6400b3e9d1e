#include "devices/gpu/process/render_server_launch.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>
#include <vector>

namespace vmm::gpu::process {

int launch_render_server(const RendererRoot& root) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return -errno;
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
    close(sv[0]);
    close(sv[1]);
    return -err;
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    // fd 3 becomes the server's socket (dup2 clears CLOEXEC); the process's own channel to
    // vmm, which was fd 3, is not the server's to hold.
    if (dup2(sv[1], 3) < 0) _exit(127);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(sv[1]);
  return sv[0];
}

}  // namespace vmm::gpu::process
