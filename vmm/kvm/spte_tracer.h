// SpteTracer: what KVM really wrote into its second-level entries for the guest's device
// memory, read from the tracepoint kvmmmu:kvm_mmu_set_spte (gfn, raw spte, level) with the
// libraries made for it (libtracefs, libtraceevent: they parse the event's own format file),
// in a tracefs instance of vmm's own ("vmm-<pid>") so the host's other tracing is untouched.
//
// Only events of vmm's vCPU threads (common_pid) inside the 64-bit BAR window (a tracefs
// filter on gfn) are recorded, each attributed to the device slot that covered its gfn when it
// fired (by the slot's serial, learned from the memslot table's events), and summed up per
// slot: how many entries, the first one, and any that decode differently.
//
// Where it cannot work it says so in one line and records nothing: no tracefs, not root,
// no kvmmmu events (KVM not loaded), or an event format other than the one decoded here. On
// PVM the event exists but never fires (its shadow MMU does not emit it); the summary then
// says no entry was reported and the derivation uses the policy's rule.
//
// Bounded: the instance's ring buffer is kBufferKbPerCpu per host CPU (events beyond it are
// lost and counted); at most kMaxSlots slot summaries (the oldest removed ones go first),
// kMaxVariants distinct decodes each. drain() runs on its own thread (vmm/run), which reads
// the per-CPU buffers every kPollMs.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "memory/memslot.h"
#include "vmm/memtype/spte.h"

struct tracefs_instance;
struct tracefs_cpu;
struct tep_handle;
struct tep_format_field;
struct kbuffer;

namespace vmm {

struct SpteSummary {
  std::uint64_t entries = 0;  // events attributed to the slot
  std::uint64_t first_spte = 0;
  int first_level = 0;
  std::uint64_t first_gfn = 0;
  // Decode (SpteDecode::describe) -> how many entries decoded so; at most kMaxVariants.
  std::map<std::string, std::uint64_t> decodes;
};

class SpteTracer {
 public:
  static constexpr std::size_t kBufferKbPerCpu = 512;
  static constexpr std::size_t kMaxSlots = 8192;
  static constexpr std::size_t kMaxVariants = 8;
  static constexpr int kPollMs = 50;

  // Sets up the instance for gfns in [gpa_begin, gpa_end) >> 12. On failure returns nullptr
  // and puts the one-line reason in `why`.
  static std::unique_ptr<SpteTracer> open(std::uint64_t gpa_begin, std::uint64_t gpa_end,
                                          memtype::SecondLevel paging, std::uint64_t host_pat,
                                          std::string* why);
  ~SpteTracer();  // removes the instance
  SpteTracer(const SpteTracer&) = delete;
  SpteTracer& operator=(const SpteTracer&) = delete;

  // Events of these threads are vmm's (a vCPU thread registers itself before it runs).
  void add_vcpu_thread(pid_t tid);
  // Feed of the memslot table: which slot (serial) covers which gfns, and when.
  void on_memslot_event(const MemslotEvent& event);
  // Reads every event the per-CPU buffers hold now. Thread-safe; called by the reader thread.
  void drain();
  // Reads what is left and gives the tracefs instance back (closes the buffers, removes the
  // instance); the summaries stay. Called by the reader thread as it ends, so that no other
  // thread needs to remove a directory; idempotent, and the destructor does it otherwise.
  void close();

  std::optional<SpteSummary> summary(std::uint64_t serial) const;
  // One line: events read, recorded, lost, from other processes, unattributed.
  std::string status() const;
  std::uint64_t events_recorded() const;

 private:
  SpteTracer() = default;
  struct Interval {
    std::uint64_t serial, gpa, size, from_ns, to_ns;
  };
  void record(int pid, std::uint64_t gfn, std::uint64_t spte, int level, std::uint64_t ts);
  std::optional<std::uint64_t> attribute(std::uint64_t gpa, std::uint64_t ts) const;

  tracefs_instance* instance_ = nullptr;
  std::vector<tracefs_cpu*> cpus_;
  tep_handle* tep_ = nullptr;
  kbuffer* kbuf_ = nullptr;
  int event_id_ = -1;
  tep_format_field* gfn_field_ = nullptr;
  tep_format_field* spte_field_ = nullptr;
  tep_format_field* level_field_ = nullptr;
  std::vector<std::uint8_t> page_;
  memtype::SecondLevel paging_ = memtype::SecondLevel::Shadow;
  std::uint64_t host_pat_ = 0;

  mutable std::mutex mutex_;  // everything below, and drain() as a whole
  std::set<pid_t> vcpu_threads_;
  std::vector<Interval> intervals_;  // live slots (to_ns = max) and recently removed ones
  std::map<std::uint64_t, SpteSummary> summaries_;  // by serial
  std::uint64_t read_ = 0, recorded_ = 0, lost_ = 0, foreign_ = 0, unattributed_ = 0, dropped_ = 0;
};

}  // namespace vmm
