#include "vmm/report/guest_probe_log.h"

#include <sstream>

namespace vmm {

namespace {
constexpr std::string_view kPrefix = "MEMTYPE-PROBE ";
// A guest that never sends a newline must not grow the buffer without bound.
constexpr std::size_t kMaxLine = 4096;
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
      if (auto fields = parse_line(partial_); !fields.empty()) probes_.push_back(std::move(fields));
      partial_.clear();
    } else if (partial_.size() < kMaxLine) {
      partial_.push_back(static_cast<char>(byte));
    }
  }
}

std::vector<GuestProbeLog::Fields> GuestProbeLog::probes() const {
  std::lock_guard lock(mutex_);
  return probes_;
}

}  // namespace vmm
