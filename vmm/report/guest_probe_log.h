// GuestProbeLog: picks the tiny guest's `MEMTYPE-PROBE key=value ...` lines out of the
// serial console stream (the console itself is passed through untouched), so --report can
// put what the guest measured next to what the host was told. Bytes arrive from a vCPU
// thread in arbitrary pieces; lines are reassembled here.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace vmm {

class GuestProbeLog {
 public:
  using Fields = std::map<std::string, std::string>;

  void feed(std::span<const std::uint8_t> bytes);
  std::vector<Fields> probes() const;  // one per MEMTYPE-PROBE line, in order

  // Parses one line; empty when it is not a MEMTYPE-PROBE line.
  static Fields parse_line(const std::string& line);

 private:
  mutable std::mutex mutex_;
  std::string partial_;
  std::vector<Fields> probes_;
};

}  // namespace vmm
