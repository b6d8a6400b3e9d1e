#include "vmm/report/guest_probe_log.h"

#include <sstream>

namespace vmm {

namespace {
constexpr std::string_view kPrefix = "MEMTYPE-PROBE ";
}  // namespace

GuestProbeLog::Fields GuestProbeLog::parse_line(const std::string& line) {
  Fields fields;
  if (line.compare(0, kPrefix.size(), kPrefix) != 0) return fields;
  std::istringstream words(line.substr(kPrefix.size()));
  std::string word;
  while (words >> word) {
    const auto eq = word.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    fields[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return fields;
}

void GuestProbeLog::feed(std::span<const std::uint8_t> bytes) {
  std::lock_guard lock(mutex_);
  for (std::uint8_t byte : bytes) {
    if (byte == '\n') {
      if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
      if (auto fields = parse_line(partial_); !fields.empty()) kept_.add(std::move(fields));
      partial_.clear();
    } else if (partial_.size() < kMaxLine) {
      partial_.push_back(static_cast<char>(byte));
    }
  }
}

}  // namespace vmm
