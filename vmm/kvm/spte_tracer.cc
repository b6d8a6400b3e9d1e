#include "vmm/kvm/spte_tracer.h"

#include <unistd.h>

extern "C" {
#include <event-parse.h>
#include <kbuffer.h>
}

#include <algorithm>
#include <fstream>
#include <sstream>
#include <cerrno>
#include <cstring>
#include <limits>

#include "base/format.h"
#include "vmm/kvm/tracefs_shim.h"

namespace vmm {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return in ? text.str() : std::string();
}

constexpr const char* kSystem = "kvmmmu";
constexpr const char* kEvent = "kvm_mmu_set_spte";
constexpr const char* kInstancePrefix = "vmm-";
constexpr std::uint64_t kLive = std::numeric_limits<std::uint64_t>::max();
// Removed slots whose late events can still be attributed (events are read every kPollMs).
constexpr std::size_t kRemovedKept = 256;

// The field `name` of the event, checked to be the unsigned number of `size` bytes that the
// decode below assumes; empty when it is, else why not.
std::string check_field(tep_event* event, const char* name, int size, tep_format_field** out) {
  tep_format_field* field = tep_find_field(event, name);
  if (field == nullptr) return std::string("it has no field '") + name + "'";
  if (field->size != size)
    return std::string("its field '") + name + "' is " + std::to_string(field->size) + " bytes, not " +
           std::to_string(size);
  *out = field;
  return {};
}

}  // namespace

std::unique_ptr<SpteTracer> SpteTracer::open(std::uint64_t gpa_begin, std::uint64_t gpa_end,
                                             memtype::SecondLevel paging, std::uint64_t host_pat,
                                             std::string* why) {
  auto fail = [&](std::string reason) -> std::unique_ptr<SpteTracer> {
    *why = "KVM's second-level entries are not read (kvmmmu:kvm_mmu_set_spte): " + reason;
    return nullptr;
  };
  const char* dir = vmm_tracefs_dir();
  if (dir == nullptr) return fail("tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)");
  std::unique_ptr<SpteTracer> t(new SpteTracer);
  t->paging_ = paging;
  t->host_pat_ = host_pat;
  // Only the two formats the decode needs, parsed here: libtracefs's loader would also read
  // /proc/kallsyms and every printk format, seconds of work under an emulated CPU.
  const std::string header = read_file(std::string(dir) + "/events/header_page");
  const std::string format = read_file(std::string(dir) + "/events/" + kSystem + "/" + kEvent + "/format");
  if (format.empty())
    return fail(std::string("tracefs has no ") + kSystem + ":" + kEvent + " event (" +
                (geteuid() != 0 ? "not root" : "is the kvm module loaded?") + ")");
  t->tep_ = tep_alloc();
  if (t->tep_ == nullptr) return fail("cannot allocate the event parser");
  tep_set_long_size(t->tep_, sizeof(long));
  tep_set_page_size(t->tep_, static_cast<int>(sysconf(_SC_PAGESIZE)));
  std::string header_copy = header;  // tep_parse_header_page takes a mutable buffer
  if (header.empty() || tep_parse_header_page(t->tep_, header_copy.data(), header_copy.size(), sizeof(long)) != 0 ||
      tep_parse_event(t->tep_, format.data(), format.size(), kSystem) != TEP_ERRNO__SUCCESS)
    return fail("the event's format could not be parsed (events/header_page or its format file)");
  tep_event* event = tep_find_event_by_name(t->tep_, kSystem, kEvent);
  if (event == nullptr) return fail("the event's format names no event");
  for (auto [name, size, field] : {std::tuple{"gfn", 8, &t->gfn_field_}, std::tuple{"spte", 8, &t->spte_field_},
                                   std::tuple{"level", 1, &t->level_field_}})
    if (auto problem = check_field(event, name, size, field); !problem.empty())
      return fail(std::string("the event's format differs from the one vmm decodes: ") + problem);
  t->event_id_ = event->id;

  // An instance left by a vmm that was killed would keep its event enabled for nobody.
  vmm_tracefs_remove_stale_instances(kInstancePrefix);
  const std::string name = kInstancePrefix + std::to_string(getpid());
  t->instance_ = vmm_tracefs_instance_create(name.c_str());
  if (t->instance_ == nullptr)
    return fail("cannot create the tracefs instance " + name + ": " + std::strerror(errno) +
                (geteuid() != 0 ? " (tracing needs root)" : ""));
  // CLOCK_MONOTONIC timestamps, comparable with the memslot events' t_ns.
  const std::string filter = "gfn >= " + hex(gpa_begin >> 12) + " && gfn < " + hex(gpa_end >> 12);
  if (vmm_tracefs_configure(t->instance_, kBufferKbPerCpu, "mono", kSystem, kEvent, filter.c_str()) < 0)
    return fail(std::string("cannot configure the tracefs instance: ") + std::strerror(errno));
  const long cpus = sysconf(_SC_NPROCESSORS_CONF);
  for (long cpu = 0; cpu < cpus; ++cpu)
    if (tracefs_cpu* c = vmm_tracefs_cpu_open(t->instance_, static_cast<int>(cpu))) t->cpus_.push_back(c);
  if (t->cpus_.empty()) return fail(std::string("cannot open any per-CPU trace buffer: ") + std::strerror(errno));
  t->page_.resize(static_cast<std::size_t>(std::max(vmm_tracefs_cpu_read_size(t->cpus_.front()), 4096)));
  const int header_long = tep_get_header_page_size(t->tep_);
  t->kbuf_ = kbuffer_alloc(header_long == 4 ? KBUFFER_LSIZE_4 : KBUFFER_LSIZE_8,
                           tep_is_file_bigendian(t->tep_) ? KBUFFER_ENDIAN_BIG : KBUFFER_ENDIAN_LITTLE);
  if (t->kbuf_ == nullptr) return fail("cannot allocate the event parser");
  if (vmm_tracefs_enable(t->instance_, kSystem, kEvent) < 0)
    return fail(std::string("cannot enable the event: ") + std::strerror(errno));
  return t;
}

SpteTracer::~SpteTracer() {
  close();
  if (kbuf_) kbuffer_free(kbuf_);
  if (tep_) tep_free(tep_);
}

void SpteTracer::close() {
  drain();
  std::lock_guard lock(mutex_);
  // The buffers first: an instance whose files are open cannot be removed.
  for (tracefs_cpu* cpu : cpus_) vmm_tracefs_cpu_close(cpu);
  cpus_.clear();
  if (instance_) vmm_tracefs_instance_remove(instance_);
  instance_ = nullptr;
}

void SpteTracer::add_vcpu_thread(pid_t tid) {
  std::lock_guard lock(mutex_);
  vcpu_threads_.insert(tid);
}

void SpteTracer::on_memslot_event(const MemslotEvent& event) {
  const Memslot& slot = event.slot;
  if (slot.is_guest_ram() || event.kind == MemslotEventKind::Refused) return;
  std::lock_guard lock(mutex_);
  auto close = [&](std::uint64_t at) {
    for (auto& interval : intervals_)
      if (interval.serial == slot.serial && interval.to_ns == kLive) interval.to_ns = at;
  };
  const std::uint64_t now = event.began_ns;
  switch (event.kind) {
    case MemslotEventKind::Added:
      if (!slot.pending) intervals_.push_back({slot.serial, slot.request.guest_addr, slot.request.size, now, kLive});
      break;
    case MemslotEventKind::Installed:
      intervals_.push_back({slot.serial, slot.request.guest_addr, slot.request.size, now, kLive});
      break;
    case MemslotEventKind::Moved:
      close(now);
      intervals_.push_back({slot.serial, slot.request.guest_addr, slot.request.size, now, kLive});
      break;
    case MemslotEventKind::Removed:
      close(now + event.took_ns);
      break;
    case MemslotEventKind::Refused: break;
  }
  // Keep every live interval and the newest kRemovedKept closed ones.
  std::size_t closed = 0;
  for (auto it = intervals_.rbegin(); it != intervals_.rend(); ++it)
    if (it->to_ns != kLive) ++closed;
  for (auto it = intervals_.begin(); closed > kRemovedKept && it != intervals_.end();) {
    if (it->to_ns != kLive) {
      it = intervals_.erase(it);
      --closed;
    } else {
      ++it;
    }
  }
}

std::optional<std::uint64_t> SpteTracer::attribute(std::uint64_t gpa, std::uint64_t ts) const {
  // Newest first: a slot mapped again at the same address takes the later events.
  for (auto it = intervals_.rbegin(); it != intervals_.rend(); ++it)
    if (gpa >= it->gpa && gpa - it->gpa < it->size && ts >= it->from_ns && ts <= it->to_ns) return it->serial;
  return std::nullopt;
}

void SpteTracer::record(int pid, std::uint64_t gfn, std::uint64_t spte, int level, std::uint64_t ts) {
  if (!vcpu_threads_.count(pid)) {
    ++foreign_;
    return;
  }
  const auto serial = attribute(gfn << 12, ts);
  if (!serial) {
    ++unattributed_;
    return;
  }
  auto it = summaries_.find(*serial);
  if (it == summaries_.end()) {
    if (summaries_.size() == kMaxSlots) summaries_.erase(summaries_.begin());  // the oldest slot
    it = summaries_.emplace(*serial, SpteSummary{}).first;
    it->second.first_spte = spte;
    it->second.first_level = level;
    it->second.first_gfn = gfn;
  }
  SpteSummary& s = it->second;
  ++s.entries;
  ++recorded_;
  const std::string decode = memtype::decode_spte(paging_, spte, level, host_pat_).describe;
  if (auto d = s.decodes.find(decode); d != s.decodes.end())
    ++d->second;
  else if (s.decodes.size() < kMaxVariants)
    s.decodes.emplace(decode, 1);
  else
    ++dropped_;
}

void SpteTracer::drain() {
  std::lock_guard lock(mutex_);
  if (kbuf_ == nullptr) return;  // open() failed before the parser existed
  for (tracefs_cpu* cpu : cpus_) {
    // A buffer is read a page at a time until it is empty; the guest cannot keep this loop
    // going for longer than it takes to read kBufferKbPerCpu per CPU plus what arrives meanwhile.
    for (int pages = 0; pages < static_cast<int>(kBufferKbPerCpu / 4) * 2; ++pages) {
      if (vmm_tracefs_cpu_read(cpu, page_.data()) <= 0) break;
      if (kbuffer_load_subbuffer(kbuf_, page_.data()) < 0) break;
      if (const int missed = kbuffer_missed_events(kbuf_); missed != 0) lost_ += missed > 0 ? missed : 1;
      unsigned long long ts = 0;
      for (void* data = kbuffer_read_event(kbuf_, &ts); data; data = kbuffer_next_event(kbuf_, &ts)) {
        tep_record rec{};
        rec.ts = ts;
        rec.data = data;
        rec.size = kbuffer_event_size(kbuf_);
        if (tep_data_type(tep_, &rec) != event_id_) continue;
        ++read_;
        unsigned long long gfn = 0, spte = 0, level = 0;
        if (tep_read_number_field(gfn_field_, data, &gfn) < 0 || tep_read_number_field(spte_field_, data, &spte) < 0 ||
            tep_read_number_field(level_field_, data, &level) < 0)
          continue;
        record(tep_data_pid(tep_, &rec), gfn, spte, static_cast<int>(level), ts);
      }
    }
  }
}

std::optional<SpteSummary> SpteTracer::summary(std::uint64_t serial) const {
  std::lock_guard lock(mutex_);
  auto it = summaries_.find(serial);
  if (it == summaries_.end()) return std::nullopt;
  return it->second;
}

std::uint64_t SpteTracer::events_recorded() const {
  std::lock_guard lock(mutex_);
  return recorded_;
}

std::string SpteTracer::status() const {
  std::lock_guard lock(mutex_);
  return std::string(kSystem) + ":" + kEvent + ": " + std::to_string(read_) + " events read, " +
         std::to_string(recorded_) + " attributed to device slots, " + std::to_string(lost_) +
         " lost (ring buffer full), " + std::to_string(foreign_) + " from other processes, " +
         std::to_string(unattributed_) + " outside any device slot";
}

}  // namespace vmm
