// run_child: runs a program with stdin from /dev/null and its stdout and stderr captured,
// and kills it when it outlives `timeout`. --self-test boots its guest in a child vmm, so
// the guest's console can be read back and the VM's seccomp filters, signals and exit
// status stay that child's.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace vmm {

struct ChildResult {
  bool started = false;    // false: it could not be run (`error` says why)
  bool timed_out = false;  // killed after `timeout`
  int status = -1;         // exit status, or 128 + the signal that ended it
  std::string out, err;    // what it wrote (each at most 1 MiB; the rest is dropped)
  std::string error;
  double seconds = 0;      // wall time from start to end
};

ChildResult run_child(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

}  // namespace vmm
