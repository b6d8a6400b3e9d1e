#include "vmm/cli/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace vmm {

void configure_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("vmm");
  logger->set_pattern("vmm: %^%l%$: %v");
  logger->set_level(spdlog::level::from_str(level));
  // Errors must reach the terminal even if vmm dies right after logging them.
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

}  // namespace vmm
