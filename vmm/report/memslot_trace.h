// MemslotTrace: --memslot-trace FILE writes one JSON object per line for every memslot
// event (add, remove, move, install, refuse) and every derived memory type (derive), as it
// happens, so an engineer can replay what the guest made
// the VMM do. For a removed slot that is not RAM, the line also carries an FNV-1a-32
// checksum of the slot's host memory at removal: the proof that what the guest wrote
// through a mapping reached the memory behind it.
//
// A guest that maps and unmaps in a loop would grow the file without end: after kMaxLines
// events the rest are only counted, and the last line says how many were dropped
// ({"event":"dropped","count":N,"limit":kMaxLines}).
#pragma once

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include "memory/memslot.h"
#include "memory/memslot_table.h"
#include "vmm/memtype/slot_derivation.h"
#include <nlohmann/json_fwd.hpp>

namespace vmm {

// The JSON object for one event (also used by tests and reports).
nlohmann::json memslot_event_json(const MemslotEvent& event);
// One live slot: the same object without "event" (the report's table at exit, --control's
// slots).
nlohmann::json memslot_json(const Memslot& slot);
// A derived memory type as a trace line: {"event": "derive", ...derivation_json}.
nlohmann::json derivation_event_json(const memtype::SlotDerivation& derivation);

class MemslotTrace {
 public:
  // Opens (truncates) `path`; throws std::system_error with the path on failure.
  explicit MemslotTrace(const std::string& path);
  ~MemslotTrace();
  static constexpr std::uint64_t kMaxLines = 65536;  // ~20 MiB of trace
  // Subscribes to `table`: every later event becomes a line.
  void attach(MemslotTable& table);
  void write(const MemslotEvent& event);
  // A derived memory type ({"event": "derive", ...}: vmm/report/derivation_json.h).
  void write_derivation(const memtype::SlotDerivation& derivation);

 private:
  struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
  };
  std::mutex mutex_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  void write_line(const nlohmann::json& line);
  std::uint64_t lines_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace vmm
