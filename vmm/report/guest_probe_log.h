// GuestProbeLog: picks the tiny guest's `MEMTYPE-PROBE key=value ...` lines out of the
// serial console stream (the console itself is passed through untouched), so --report can
// put what the guest measured next to what the host was told. Bytes arrive from a vCPU
// thread in arbitrary pieces; lines are reassembled here.
//
// Bounded: a line is cut at kMaxLine bytes, the first kMaxProbes probe lines are kept and
// later ones only counted; the machine feeds the log only when --report asked for it.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "vmm/report/kept_first.h"

namespace vmm {

class GuestProbeLog {
 public:
  using Fields = std::map<std::string, std::string>;

  static constexpr std::size_t kMaxLine = 4096;
  static constexpr std::size_t kMaxProbes = 1024;  // the tiny guest prints fewer than 20

  void feed(std::span<const std::uint8_t> bytes);
  // One per kept MEMTYPE-PROBE line, in order.
  std::vector<Fields> probes() const { return kept_.items(); }
  std::uint64_t dropped() const { return kept_.dropped(); }  // probe lines beyond kMaxProbes

  // Parses one line; empty when it is not a MEMTYPE-PROBE line.
  static Fields parse_line(const std::string& line);

 private:
  std::mutex mutex_;  // guards partial_: feed() may be called from several vCPU threads
  std::string partial_;
  KeptFirst<Fields> kept_{kMaxProbes};
};

}  // namespace vmm
