// Runs a program to completion for a test: captures stdout and stderr whole, and kills it
// (its whole process group) if it outlives a watchdog, so a hung guest fails a test
// instead of hanging ctest.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace vmm::test {

struct ProcessResult {
  bool started = false;     // false: start_error says why (e.g. the binary is missing)
  std::string start_error;
  bool exited = false;      // exited normally; exit_code is valid
  int exit_code = -1;
  int term_signal = 0;      // signal that ended it when !exited
  bool timed_out = false;   // the watchdog killed it
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{0};

  // One paragraph for a failure message: how it ended, then both streams.
  std::string describe() const;
};

// argv[0] is the program's path (no PATH search). stdin is /dev/null.
// `stdin_path` becomes the child's standard input.
ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const std::string& stdin_path = "/dev/null");

}  // namespace vmm::test
