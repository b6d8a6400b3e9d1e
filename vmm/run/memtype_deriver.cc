#include "vmm/run/memtype_deriver.h"

#include <set>

#include "base/monotonic_clock.h"
#include "vmm/kvm/guest_type_inputs.h"
#include "vmm/memtype/guest_ram_tables.h"
#include "vmm/memtype/pat.h"

namespace vmm {

namespace {

struct Walked {
  memtype::WalkResult walk;
  std::uint64_t ns = 0;
};

Walked walk(const GuestMemory& memory, const memtype::GuestTypeInputs& guest,
            std::span<const memtype::GpaRange> ranges) {
  const std::uint64_t began = monotonic_ns();
  Walked w{memtype::find_mappings(memtype::GuestRamTables(memory), guest.regs, ranges), 0};
  w.ns = monotonic_ns() - began;
  return w;
}

}  // namespace

memtype::SlotFacts MemtypeDeriver::facts_of(const Memslot& slot) {
  memtype::SlotFacts f;
  f.slot = slot.slot;
  f.serial = slot.serial;
  f.owner = slot.request.owner;
  f.gpa = slot.request.guest_addr;
  f.size = slot.request.size;
  f.requested = std::string(to_string(slot.request.cache_type));
  f.applied = slot.applied.names;
  f.rule = slot.applied.rule;
  f.rule_honours_guest_pat = slot.applied.guest_pat == GuestPat::Honoured;
  f.rule_unknown = slot.applied.guest_pat == GuestPat::Unknown;
  if (slot.request.cache_reason) f.map_info = slot.request.cache_reason->map_info;
  return f;
}

memtype::SecondLevelView MemtypeDeriver::second_level(const memtype::SlotFacts& slot, bool before_install) const {
  const memtype::SecondLevel paging = second_level_of(facts_);
  memtype::SecondLevelView rule =
      memtype::predict_second_level(paging, slot.rule_honours_guest_pat, slot.rule_unknown, slot.rule);
  auto with_note = [&](std::string note) {
    if (!rule.note.empty()) note = rule.note + "; " + note;
    rule.note = std::move(note);
    return rule;
  };
  if (tracer_ == nullptr) return with_note(tracer_unavailable_);
  if (before_install)
    return with_note("the slot reaches KVM right after this derivation: its entries are read when the report is written");
  const auto summary = tracer_->summary(slot.serial);
  if (!summary)
    return with_note(paging == memtype::SecondLevel::Shadow
                         ? "KVM reported no entry for the slot (shadow paging: PVM's MMU does not emit kvm_mmu_set_spte)"
                         : "KVM reported no entry for the slot's pages (not touched since it was installed?)");
  const memtype::SpteDecode decoded =
      memtype::decode_spte(paging, summary->first_spte, summary->first_level, memtype::kPatLinux);
  if (!decoded.ok) return with_note("KVM's entry " + std::to_string(summary->first_spte) + " was not decoded: " + decoded.error);
  memtype::SecondLevelView view;
  view.source = memtype::SecondLevelView::Source::Spte;
  view.paging = paging;
  view.host_type = decoded.host_type;
  view.ipat = decoded.ipat;
  view.spte = summary->first_spte;
  view.level = summary->first_level;
  view.gfn = summary->first_gfn;
  view.entries = summary->entries;
  view.decoded = decoded.describe;
  for (const auto& [describe, count] : summary->decodes)
    if (describe != decoded.describe) view.variants.push_back(describe + " (" + std::to_string(count) + " entries)");
  view.rule = slot.rule;
  return view;
}

void MemtypeDeriver::at_first_touch(const KvmVcpu& vcpu, const Memslot& slot, std::uint64_t gpa) {
  if (log_.full()) return;  // it would only be counted: spare the guest the walk
  memtype::GuestTypeInputs guest;
  try {
    guest = read_guest_type_inputs(vcpu, phys_bits_);
  } catch (const std::exception&) {
    return;  // the vCPU's registers cannot be read: nothing to derive from
  }
  const memtype::SlotFacts facts = facts_of(slot);
  const memtype::GpaRange range{facts.gpa, facts.gpa + facts.size};
  const Walked w = walk(memory_, guest, std::span(&range, 1));
  memtype::SlotDerivation d = memtype::derive_slot(facts, guest, w.walk, 0, second_level(facts, true));
  d.moment = "first touch";
  d.touched_gpa = gpa;
  d.t_ns = monotonic_ns();
  d.walk_ns = w.ns;
  log_.add(std::move(d));
}

void MemtypeDeriver::at_stop(const std::vector<KvmVcpu>& vcpus, const std::vector<Memslot>& slots,
                             const char* moment) {
  std::vector<memtype::SlotFacts> devices;
  std::vector<memtype::GpaRange> ranges;  // slots() is ordered by address, slots never overlap
  for (const Memslot& slot : slots) {
    if (slot.is_guest_ram()) continue;
    devices.push_back(facts_of(slot));
    ranges.push_back({slot.request.guest_addr, slot.guest_end()});
  }
  if (devices.empty()) return;
  std::vector<bool> found(devices.size(), false);
  std::set<std::uint64_t> walked_roots;
  std::vector<memtype::SlotDerivation> empty;
  for (const KvmVcpu& vcpu : vcpus) {
    memtype::GuestTypeInputs guest;
    try {
      guest = read_guest_type_inputs(vcpu, phys_bits_);
    } catch (const std::exception&) {
      continue;
    }
    if (!walked_roots.insert(memtype::root_table(guest.regs)).second) continue;  // same address space
    const Walked w = walk(memory_, guest, ranges);
    for (std::size_t i = 0; i < devices.size(); ++i) {
      memtype::SlotDerivation d = memtype::derive_slot(devices[i], guest, w.walk, i, second_level(devices[i]));
      d.moment = moment;
      d.t_ns = monotonic_ns();
      d.walk_ns = w.ns;
      if (!d.mappings.empty()) {
        found[i] = true;
        log_.add(std::move(d));
      } else if (empty.size() < devices.size()) {
        empty.push_back(std::move(d));  // kept in case no vCPU maps slot i
      }
    }
  }
  // A live slot no vCPU's address space maps at the stop: one derivation saying so.
  for (auto& d : empty)
    for (std::size_t i = 0; i < devices.size(); ++i)
      if (!found[i] && devices[i].serial == d.slot.serial) {
        found[i] = true;
        log_.add(std::move(d));
      }
}

}  // namespace vmm
