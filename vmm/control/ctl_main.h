// `vmm ctl PATH COMMAND [ARGS] [--json]`: the control socket's client, in vmm's own binary
// (main() hands it the words after "ctl" before any VM option is parsed).
//
// Exit status: 0 the command was done, 1 the server answered with an error (its reason on
// stderr, one line) or the socket could not be reached (one line), 2 a usage error.
#pragma once

namespace vmm::control {

// argv[0] is "ctl".
int ctl_main(int argc, const char* const* argv);

}  // namespace vmm::control
