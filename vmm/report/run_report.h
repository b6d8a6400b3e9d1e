// --report FILE.json: one document for a bug report, written when the VM stops. It holds the
// host facts, the memtype plan, every memslot event and the table at exit (requested type,
// applied flags, effective rule per slot), and what the tiny guest's probe measured per
// mapping, converted to MB/s with KVM's TSC frequency, next to what the slot's rule
// predicts (`predicted_class`, `agrees`, and a `verdict` that names any disagreement; on an
// emulated CPU nothing is judged), vmm's start-up timeline and its resident memory split
// into the guest's and its own. `complete` says whether every part is there; `missing`
// names what is not.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "devices/gpu/renderer/gpu_renderer.h"
#include "memory/memslot.h"
#include "vmm/memtype/slot_derivation.h"
#include "vmm/report/guest_probe_log.h"
#include "vmm/report/resident_memory.h"
#include "vmm/kvm/host_facts.h"
#include "vmm/kvm/memtype_policy.h"
#include "vmm/run/stop_signal.h"

namespace vmm {

// vmm's start-up milestones (StartupTimeline), CLOCK_MONOTONIC ns; 0: not reached.
struct ReportTimeline {
  std::uint64_t main_entered_ns = 0;
  std::uint64_t assembled_ns = 0;
  std::uint64_t first_port_write_ns = 0;
};

// The GPU renderer, when --gpu-renderer put one behind the device: what it runs on, its
// capsets, and for the blobs it mapped what it reported (map_info) against what the guest
// was told; the per-slot story is in each blob slot's event (map_info_from, ...).
struct ReportRenderer {
  std::string description;
  std::vector<std::string> capsets;  // "VIRGL2 v2 (1376 bytes)"
  std::uint64_t blob_maps = 0;
  std::map<std::string, std::uint64_t> renderer_map_info;  // "NONE" -> 3
  std::map<std::string, std::uint64_t> guest_map_info;     // "CACHED" -> 3
  std::uint64_t fences_retired = 0;
  std::uint64_t renderer_errors = 0;
  // The bounds (README "How renderer memory is bounded"), at the stop.
  std::uint64_t charged_bytes = 0;
  std::uint64_t charge_limit = 0;
  std::uint64_t charge_refusals = 0;
  std::uint64_t memory_overruns = 0;
  std::uint32_t live_contexts = 0;
  // vmm-gpu-process, where the renderer runs there: its pid, "serving" or how it ended, and
  // its resident memory (with the render server's) beside vmm's own.
  std::optional<gpu::RendererProcessState> process;
};

struct RunReportInput {
  HostFacts host{};
  MemtypePlan plan{};
  std::vector<MemslotEvent> events{};
  std::uint64_t events_dropped = 0;  // beyond MemslotEventLog::kMaxEvents
  std::vector<Memslot> slots_at_exit{};
  std::vector<GuestProbeLog::Fields> probes{};
  std::uint64_t probes_dropped = 0;  // beyond GuestProbeLog::kMaxProbes
  std::uint32_t tsc_khz = 0;  // 0 when KVM did not say
  StopReason stop{};
  bool probe_expected = false;  // the guest ran with a GPU, so a probe could have run
  std::optional<ReportTimeline> timeline{};         // set by the Runner
  std::optional<ResidentMemory> resident_memory{};  // sampled at the stop, before tear-down
  std::string resident_memory_error{};              // why not, when it could not be
  std::optional<ReportRenderer> renderer{};         // --gpu-renderer other than none
  // The derived memory types (--derive-memtype), with KVM's side as of the stop; empty with
  // `derivation` saying why when there are none to expect.
  std::vector<memtype::SlotDerivation> derivations{};
  std::uint64_t derivations_dropped = 0;
  std::string derivation_mode{};   // "first-touch", "stop", "off"
  std::string spte_source{};       // the tracer's status line, or why KVM's entries are not read
};

nlohmann::json run_report_json(const RunReportInput& input);

// Writes the report; throws std::system_error naming the path on failure.
void write_run_report(const std::string& path, const RunReportInput& input);

}  // namespace vmm
