// The vocabulary of the memslot table: what a caller asks for, what the hypervisor backend
// did with it, and the events the table emits. No KVM types here: memory/ and the devices
// that use it stay testable without /dev/kvm.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/enum_names.h"
#include "memory/mem_cache_type.h"

namespace vmm {

// A file behind a slot's host mapping (a memfd a device shares); RAM has none.
struct FileBacking {
  int fd;
  std::uint64_t offset;
};

// Why a device slot asks for its MemCacheType, as the trace and report tell it: the caching
// hint (map_info) the guest was given for the memory, where that value came from, what the
// memory's producer reported (when something produced it), and what decided the slot's type.
// The device fills it in its own words; empty strings are left out.
struct CacheTypeReason {
  std::string map_info;           // "WC"
  std::string map_info_from;      // the source of map_info: a producer, an option, a default
  std::string reported_map_info;  // the producer's own answer ("NONE": it gave none)
  std::string producer_context;   // the producer's context that made it ("VENUS"), if known
  std::string decided_by;         // "map_info", or the option that overrode it
};

// Who a slot belongs to, said by whoever maps it: the machine's RAM, or memory a device puts
// into the guest-physical space. Device slots may wait for their first touch and have their
// memory checksummed at removal; RAM slots never do.
enum class SlotKind { GuestRam, Device };

struct MemslotRequest {
  std::uint64_t guest_addr = 0;
  std::uint64_t size = 0;
  void* host_addr = nullptr;
  std::optional<FileBacking> backing;
  bool read_only = false;
  std::string owner;  // "ram-low", "ram-high", a device's name for its slot: shown to the user
  MemCacheType cache_type = MemCacheType::CacheCoherent;
  std::optional<CacheTypeReason> cache_reason;  // device slots whose type has a story
  SlotKind kind = SlotKind::Device;              // the machine says GuestRam for its RAM
};

// What the backend actually told the hypervisor for one slot, so the table can show the
// user the truth rather than the request.
// What the rule means for a guest that maps the slot with a type of its own (WC, UC):
// whether that type takes effect, so a measurement can be held against the prediction.
enum class GuestPat { Honoured, HostTypeWins, Unknown };

struct AppliedFlags {
  std::uint32_t kvm_flags = 0;  // the raw flags word passed to KVM_SET_USER_MEMORY_REGION
  std::string names;            // the same, spelled out ("KVM_MEM_READONLY", "none")
  std::string rule;             // what then decides the guest's memory type, in words
  GuestPat guest_pat = GuestPat::Unknown;  // the rule's prediction
};

struct Memslot {
  std::uint32_t slot = 0;
  // Numbers are reused; the serial is not: it names this slot among every slot the VM had
  // (1, 2, ... in the order they were mapped), so later records can refer to it.
  std::uint64_t serial = 0;
  MemslotRequest request;
  AppliedFlags applied;
  // In the table, not yet given to the hypervisor (a device slot waiting for the guest's
  // first touch: MemslotTable::install_device_slots_on_first_touch): `applied` says what it
  // will be told.
  bool pending = false;

  std::uint64_t guest_end() const { return request.guest_addr + request.size; }
  bool is_guest_ram() const { return request.kind == SlotKind::GuestRam; }
};

// Refused: a request a device turned down because no slot could honour it as asked (memory
// whose MemCacheType differs from that of the one slot covering its region); `slot` then describes the
// request, with the number of the slot that would have served it.
// Installed: a slot added pending (waiting for its first touch) reached the hypervisor when the
// guest first touched it; `touched_gpa` says where.
enum class MemslotEventKind { Added, Removed, Moved, Refused, Installed };
inline constexpr EnumNames<MemslotEventKind, 5> kMemslotEventKindNames({{
    {MemslotEventKind::Added, "add"}, {MemslotEventKind::Removed, "remove"}, {MemslotEventKind::Moved, "move"},
    {MemslotEventKind::Refused, "refuse"}, {MemslotEventKind::Installed, "install"},
}});
std::string_view to_string(MemslotEventKind kind);

// slot.request.host_addr is valid only while the table's listeners run: the table lets go of
// the slot's HostMemoryLease as soon as MemoryMapper::unmap() returns. A listener that keeps an
// event must not keep the pointer (MemslotEventLog drops it); what the memory held at
// removal is in `removal_checksum`, taken while it was certainly mapped.
struct RemovalChecksum {
  std::optional<std::uint32_t> fnv1a;  // FNV-1a-32 of the slot's host memory at removal
  std::string skipped;                 // why there is none, when the table was asked for one
};

struct MemslotEvent {
  MemslotEventKind kind = MemslotEventKind::Added;
  Memslot slot{};                                 // after the change (before, for Removed)
  std::optional<std::uint64_t> old_guest_addr{};  // set for Moved
  std::optional<std::uint64_t> touched_gpa{};     // set for Installed
  std::string reason{};                           // set for Refused
  RemovalChecksum removal_checksum{};             // Removed device slots, when enabled
  // CLOCK_MONOTONIC when the table was asked, and how long until the hypervisor had the
  // change (the slot live, gone or moved); the table's own checks are included, the removal
  // checksum is not. 0 for Refused. What --memslot-trace times a device slot's map and unmap by.
  std::uint64_t began_ns = 0;
  std::uint64_t took_ns = 0;
  std::uint64_t backend_ns = 0;  // of took_ns, the hypervisor call itself (the ioctl)
};

// The answer to a memslot change: the slot number, or one line saying why not.
struct MemslotResult {
  bool ok = false;
  std::uint32_t slot = 0;  // valid when ok
  std::string error;       // one line, when !ok

  explicit operator bool() const { return ok; }
};

}  // namespace vmm
