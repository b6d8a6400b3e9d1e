// Running one measured program: posix_spawn with stdout and stderr captured in files (so a
// chatty guest console cannot fill a pipe and stall it), the CLOCK_MONOTONIC just before the
// spawn (what "exec to first port write" counts from), a timeout, and what it printed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

struct SpawnResult {
  int exit_status = -1;      // the program's, or 128 + signal; -1 not started
  bool timed_out = false;
  std::uint64_t spawned_ns = 0;  // CLOCK_MONOTONIC just before posix_spawn
  std::uint64_t ended_ns = 0;    // when waitpid saw it end
  std::string out;           // stdout
  std::string err;           // stderr
};

// `scratch_dir` holds the capture files. Throws std::runtime_error when it cannot spawn.
SpawnResult run_program(const std::vector<std::string>& argv, const std::string& scratch_dir,
                        int timeout_s);

// "prog arg ...": for messages.
std::string describe(const std::vector<std::string>& argv);

std::uint64_t monotonic_ns();

}  // namespace bench
