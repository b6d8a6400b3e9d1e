// Starts a program as a confined child of vmm: a clean environment, a process group of its
// own (a terminal's ^C reaches vmm, which stops it, not the renderer behind vmm's back), a
// parent-death signal (SIGKILL when the vmm thread that spawned it ends: spawn it from a
// thread that lives as long as it should), a bound on its private memory (RLIMIT_DATA), one
// socket as fd 3 and no other fd of vmm's. Returns a pidfd to supervise it with.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace vmm::gpu::process {

struct SpawnSpec {
  std::vector<std::string> argv;  // argv[0] is the file executed
  std::vector<std::string> env;   // NAME=VALUE, the whole environment
  int channel = -1;               // becomes fd 3
  std::uint64_t data_limit = 0;   // RLIMIT_DATA in bytes; 0 leaves vmm's
};

struct Spawned {
  pid_t pid = -1;
  UniqueFd pidfd;  // readable once the process has exited
};

// nullopt with *error when fork, pidfd_open or the exec failed (the child's errno of a
// failed exec comes back through a close-on-exec pipe, so "no such file" is said here).
std::optional<Spawned> spawn_confined(const SpawnSpec& spec, std::string* error);

// The child's end, read without waiting: "exited with status N", "killed by signal 9
// (SIGKILL)", or "" while it runs. Reaps it.
std::string reap_if_exited(int pidfd);

}  // namespace vmm::gpu::process
