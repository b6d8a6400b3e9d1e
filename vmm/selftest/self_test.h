// vmm --self-test: the first thing to run on a new machine. Says on one screen where KVM
// comes from here (or what is missing and how to get it), what this host does for memory
// types, and whether the tiny test guest boots in a child vmm and passes its checks.
#pragma once

#include "vmm/cli/options.h"

namespace vmm {

// Prints the screen on stdout; 0 when the guest booted and passed, 1 otherwise.
int run_self_test(const Options& options);

}  // namespace vmm
