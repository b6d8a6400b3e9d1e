#include "memory/memslot_table.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "base/fnv1a.h"
#include "base/format.h"
#include "base/monotonic_clock.h"
#include "base/page.h"

namespace vmm {

namespace {


MemslotResult failure(std::string message) { return {false, 0, std::move(message)}; }
MemslotResult success(std::uint32_t slot) { return {true, slot, {}}; }

RemovalChecksum checksum_of(const Memslot& slot) {
  if (slot.request.host_addr == nullptr) return {std::nullopt, "no host mapping"};
  if (slot.request.size > MemslotTable::kMaxRemovalChecksumBytes)
    return {std::nullopt, "slot larger than " + human_size(MemslotTable::kMaxRemovalChecksumBytes)};
  return {fnv1a32({static_cast<const std::uint8_t*>(slot.request.host_addr), slot.request.size}), {}};
}

}  // namespace

std::string_view to_string(MemslotEventKind kind) { return kMemslotEventKindNames.name(kind); }

std::string MemslotTable::check_range(std::uint64_t guest_addr, std::uint64_t size,
                                      std::optional<std::uint32_t> ignore_slot) const {
  if (size == 0) return "memslot size is zero";
  // KVM wants page granularity; catching it here gives a message instead of EINVAL.
  if (guest_addr % kPageSize != 0 || size % kPageSize != 0)
    return "memslot " + hex(guest_addr) + "+" + hex(size) + " is not page-aligned";
  if (guest_addr + size < guest_addr)
    return "memslot " + hex(guest_addr) + "+" + hex(size) + " wraps the address space";
  const std::uint64_t end = guest_addr + size;
  auto overlap = [&](std::uint32_t number) -> std::string {
    const Memslot& slot = slots_.at(number);
    return "memslot " + hex(guest_addr) + "-" + hex(end - 1) + " overlaps slot " +
           std::to_string(number) + " (" + slot.request.owner + ", " +
           hex(slot.request.guest_addr) + "-" + hex(slot.guest_end() - 1) + ")";
  };
  auto ignored = [&](std::uint32_t number) { return ignore_slot && number == *ignore_slot; };
  // Live slots never overlap one another, so the only one that can reach into [guest_addr,
  // end) from below is the last one starting below guest_addr (or, when that one is being
  // moved, none: the one before it ends where it starts) ...
  auto next = by_guest_addr_.lower_bound(guest_addr);
  if (next != by_guest_addr_.begin()) {
    auto below = std::prev(next);
    if (!ignored(below->second) && slots_.at(below->second).guest_end() > guest_addr)
      return overlap(below->second);
  }
  // ... and the ones starting inside it, the first of which (after the one being moved) says.
  for (; next != by_guest_addr_.end() && next->first < end; ++next)
    if (!ignored(next->second)) return overlap(next->second);
  return {};
}

std::optional<std::uint32_t> MemslotTable::lowest_free_slot() const {
  const std::uint32_t candidate = free_numbers_.empty() ? next_number_ : *free_numbers_.begin();
  if (candidate >= backend_.slot_limit()) return std::nullopt;
  return candidate;
}

void MemslotTable::take_number(std::uint32_t number) {
  if (number == next_number_)
    ++next_number_;
  else
    free_numbers_.erase(number);
}

void MemslotTable::release_number(std::uint32_t number) {
  free_numbers_.insert(number);
  // Keep the free set to the holes below the highest live number.
  while (next_number_ > 0 && free_numbers_.count(next_number_ - 1)) {
    free_numbers_.erase(next_number_ - 1);
    --next_number_;
  }
}

MemslotResult MemslotTable::map(const MemslotRequest& request, HostMemoryLease lease) {
  MemslotEvent event{.kind = MemslotEventKind::Added, .began_ns = monotonic_ns()};
  {
    std::lock_guard lock(mutex_);
    if (request.host_addr == nullptr)
      return failure("memslot '" + request.owner + "' has no host mapping");
    if (auto problem = check_range(request.guest_addr, request.size, std::nullopt);
        !problem.empty())
      return failure(problem + " (requested by " + request.owner + ")");
    auto number = lowest_free_slot();
    if (!number)
      return failure("no free memslot for " + request.owner + ": the hypervisor allows " +
                     std::to_string(backend_.slot_limit()));
    Memslot slot{.slot = *number, .serial = next_serial_, .request = request, .applied = {}, .pending = false};
    if (first_touch_ && !slot.is_guest_ram()) {
      // Told what it will be told, but not yet: the guest's first access installs it.
      slot.applied = backend_.describe(request);
      slot.pending = true;
      ++pending_count_;
    } else {
      const std::uint64_t backend_began = monotonic_ns();
      InstallResult installed = backend_.install(*number, request);
      event.backend_ns = monotonic_ns() - backend_began;
      if (installed.error != 0)
        return failure("hypervisor refused memslot " + std::to_string(*number) + " for " +
                       request.owner + ": " + std::strerror(installed.error));
      slot.applied = installed.applied;
    }
    ++next_serial_;
    slots_.emplace(*number, slot);
    by_guest_addr_.emplace(request.guest_addr, *number);
    if (lease) leases_.emplace(*number, std::move(lease));
    take_number(*number);
    event.slot = slot;
    event.took_ns = monotonic_ns() - event.began_ns;
  }
  notify(event);
  return success(event.slot.slot);
}

MemslotResult MemslotTable::unmap(std::uint32_t number) {
  MemslotEvent event{.kind = MemslotEventKind::Removed, .began_ns = monotonic_ns()};
  // Held to the end of the function, so it is let go only after the checksum and the
  // listeners have read the memory. A refused removal leaves it in leases_.
  HostMemoryLease lease;
  {
    std::lock_guard lock(mutex_);
    auto it = slots_.find(number);
    if (it == slots_.end()) return failure("memslot " + std::to_string(number) + " is not live");
    if (!it->second.pending) {
      const std::uint64_t backend_began = monotonic_ns();
      const int error = backend_.uninstall(number, it->second);
      event.backend_ns = monotonic_ns() - backend_began;
      if (error != 0)
        return failure("hypervisor refused to remove memslot " + std::to_string(number) + ": " +
                       std::strerror(error));
    } else {
      --pending_count_;  // never reached the hypervisor: nothing to remove there
    }
    event.slot = it->second;
    if (auto held = leases_.find(number); held != leases_.end()) {
      lease = std::move(held->second);
      leases_.erase(held);
    }
    by_guest_addr_.erase(it->second.request.guest_addr);
    slots_.erase(it);
    release_number(number);
    event.took_ns = monotonic_ns() - event.began_ns;
  }
  // Outside the lock, but while `lease` still holds the memory.
  if (checksum_removals_ && !event.slot.is_guest_ram()) event.removal_checksum = checksum_of(event.slot);
  notify(event);
  return success(number);
}

MemslotResult MemslotTable::move(std::uint32_t number, std::uint64_t new_guest_addr) {
  MemslotEvent event{.kind = MemslotEventKind::Moved, .began_ns = monotonic_ns()};
  {
    std::lock_guard lock(mutex_);
    auto it = slots_.find(number);
    if (it == slots_.end()) return failure("memslot " + std::to_string(number) + " is not live");
    Memslot& slot = it->second;
    if (auto problem = check_range(new_guest_addr, slot.request.size, number); !problem.empty())
      return failure(problem + " (moving " + slot.request.owner + ")");
    MemslotRequest moved = slot.request;
    moved.guest_addr = new_guest_addr;
    if (!slot.pending) {
      const std::uint64_t backend_began = monotonic_ns();
      InstallResult installed = backend_.install(number, moved);
      event.backend_ns = monotonic_ns() - backend_began;
      if (installed.error != 0)
        return failure("hypervisor refused to move memslot " + std::to_string(number) + ": " +
                       std::strerror(installed.error));
      slot.applied = installed.applied;
    }
    event.old_guest_addr = slot.request.guest_addr;
    by_guest_addr_.erase(slot.request.guest_addr);
    by_guest_addr_.emplace(new_guest_addr, number);
    slot.request = moved;
    event.slot = slot;
    event.took_ns = monotonic_ns() - event.began_ns;
  }
  notify(event);
  return success(number);
}

void MemslotTable::refused(const MemslotRequest& request, std::uint32_t slot, const std::string& why) {
  MemslotEvent event;
  event.kind = MemslotEventKind::Refused;
  event.slot.slot = slot;
  event.slot.request = request;
  event.reason = why;
  if (auto serving = find(slot)) event.slot.applied = serving->applied;
  notify(event);
}

Memslot* MemslotTable::device_slot_at(std::uint64_t gpa) {
  auto above = by_guest_addr_.upper_bound(gpa);
  if (above == by_guest_addr_.begin()) return nullptr;
  Memslot& slot = slots_.at(std::prev(above)->second);
  if (gpa >= slot.guest_end() || slot.is_guest_ram()) return nullptr;
  return &slot;
}

std::string MemslotTable::install_now(Memslot& slot, std::uint64_t gpa, const FirstTouch& first_touch,
                                      MemslotEvent& event) {
  if (first_touch) first_touch(slot, gpa);
  event.began_ns = monotonic_ns();
  InstallResult installed = backend_.install(slot.slot, slot.request);
  event.backend_ns = monotonic_ns() - event.began_ns;
  if (installed.error != 0)
    return "the hypervisor refused memslot " + std::to_string(slot.slot) + " (" + slot.request.owner +
           ") at its first touch: " + std::strerror(installed.error);
  slot.applied = installed.applied;
  slot.pending = false;
  --pending_count_;
  event.kind = MemslotEventKind::Installed;
  event.slot = slot;
  event.touched_gpa = gpa;
  event.took_ns = monotonic_ns() - event.began_ns;
  return {};
}

MemslotTable::DeviceAccess MemslotTable::serve_device_access(std::uint64_t gpa, std::span<std::uint8_t> data,
                                                             bool is_write, const FirstTouch& first_touch) {
  MemslotEvent event;
  DeviceAccess result;
  bool installed = false;
  {
    std::lock_guard lock(mutex_);
    Memslot* slot = device_slot_at(gpa);
    if (slot == nullptr) return result;
    result.served = true;
    // KVM splits MMIO at page boundaries and slots are whole pages, so an access fits; the
    // clamp is for an exit that lies anyway.
    const std::uint64_t offset = gpa - slot->request.guest_addr;
    const std::size_t inside = static_cast<std::size_t>(std::min<std::uint64_t>(data.size(), slot->request.size - offset));
    auto* host = static_cast<std::uint8_t*>(slot->request.host_addr) + offset;
    if (is_write) {
      std::memcpy(host, data.data(), inside);
    } else {
      std::memcpy(data.data(), host, inside);
      std::memset(data.data() + inside, 0xff, data.size() - inside);
    }
    if (slot->pending) {
      result.install_error = install_now(*slot, gpa, first_touch, event);
      installed = result.install_error.empty();
    }
  }
  if (installed) notify(event);
  return result;
}

std::size_t MemslotTable::install_pending(std::optional<std::uint64_t> gpa, const FirstTouch& first_touch) {
  std::vector<MemslotEvent> events;
  {
    std::lock_guard lock(mutex_);
    auto install = [&](Memslot& slot) {
      MemslotEvent event;
      if (slot.pending && install_now(slot, gpa.value_or(slot.request.guest_addr), first_touch, event).empty())
        events.push_back(std::move(event));
    };
    if (gpa) {
      if (Memslot* slot = device_slot_at(*gpa)) install(*slot);
    } else {
      for (auto& [number, slot] : slots_) install(slot);
    }
  }
  for (const auto& event : events) notify(event);
  return events.size();
}

std::optional<Memslot> MemslotTable::find(std::uint32_t number) const {
  std::lock_guard lock(mutex_);
  auto it = slots_.find(number);
  if (it == slots_.end()) return std::nullopt;
  return it->second;
}

std::vector<Memslot> MemslotTable::slots() const {
  std::vector<Memslot> result;
  {
    std::lock_guard lock(mutex_);
    result.reserve(slots_.size());
    for (const auto& [guest_addr, number] : by_guest_addr_) result.push_back(slots_.at(number));
  }
  return result;
}

void MemslotTable::subscribe(Listener listener) {
  std::lock_guard lock(mutex_);
  listeners_.push_back(std::move(listener));
}

void MemslotTable::notify(const MemslotEvent& event) {
  std::vector<Listener> listeners;
  {
    std::lock_guard lock(mutex_);
    listeners = listeners_;
  }
  for (const auto& listener : listeners) listener(event);
}

}  // namespace vmm
