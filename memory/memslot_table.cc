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
  for (const auto& [number, slot] : slots_) {
    if (ignore_slot && number == *ignore_slot) continue;
    if (guest_addr < slot.guest_end() && slot.request.guest_addr < end)
      return "memslot " + hex(guest_addr) + "-" + hex(end - 1) + " overlaps slot " +
             std::to_string(number) + " (" + slot.request.owner + ", " +
             hex(slot.request.guest_addr) + "-" + hex(slot.guest_end() - 1) + ")";
  }
  return {};
}

std::optional<std::uint32_t> MemslotTable::lowest_free_slot() const {
  std::uint32_t candidate = 0;
  for (const auto& [number, slot] : slots_) {  // std::map iterates in slot order
    if (number != candidate) break;
    ++candidate;
  }
  if (candidate >= backend_.slot_limit()) return std::nullopt;
  return candidate;
}

MemslotResult MemslotTable::map(const MemslotRequest& request) {
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
    InstallResult installed = backend_.install(*number, request);
    if (installed.error != 0)
      return failure("hypervisor refused memslot " + std::to_string(*number) + " for " +
                     request.owner + ": " + std::strerror(installed.error));
    Memslot slot{*number, request, installed.applied};
    slots_.emplace(*number, slot);
    event.slot = slot;
    event.took_ns = monotonic_ns() - event.began_ns;
  }
  notify(event);
  return success(event.slot.slot);
}

MemslotResult MemslotTable::unmap(std::uint32_t number) {
  MemslotEvent event{.kind = MemslotEventKind::Removed, .began_ns = monotonic_ns()};
  {
    std::lock_guard lock(mutex_);
    auto it = slots_.find(number);
    if (it == slots_.end()) return failure("memslot " + std::to_string(number) + " is not live");
    if (int error = backend_.uninstall(number, it->second); error != 0)
      return failure("hypervisor refused to remove memslot " + std::to_string(number) + ": " +
                     std::strerror(error));
    event.slot = it->second;
    slots_.erase(it);
    event.took_ns = monotonic_ns() - event.began_ns;
  }
  // Outside the lock, but before returning: the caller frees the memory only after this.
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
    InstallResult installed = backend_.install(number, moved);
    if (installed.error != 0)
      return failure("hypervisor refused to move memslot " + std::to_string(number) + ": " +
                     std::strerror(installed.error));
    event.old_guest_addr = slot.request.guest_addr;
    slot.request = moved;
    slot.applied = installed.applied;
    event.slot = slot;
    event.took_ns = monotonic_ns() - event.began_ns;
  }
  notify(event);
  return success(number);
}

void MemslotTable::refused(const MemslotRequest& request, std::uint32_t slot, const std::string& why) {
  MemslotEvent event{.kind = MemslotEventKind::Refused, .slot = {slot, request, {}}, .reason = why};
  if (auto serving = find(slot)) event.slot.applied = serving->applied;
  notify(event);
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
    for (const auto& [number, slot] : slots_) result.push_back(slot);
  }
  std::sort(result.begin(), result.end(), [](const Memslot& a, const Memslot& b) {
    return a.request.guest_addr < b.request.guest_addr;
  });
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
