// vmm's own log: spdlog to stderr, so the guest console on stdout stays clean.
#pragma once

#include <string>

namespace vmm {

// `level` is one of trace, debug, info, warn, error, off (validated by the CLI).
void configure_logging(const std::string& level);

}  // namespace vmm
