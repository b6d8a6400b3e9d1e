// ResidentMemory: how much of vmm is resident, split into what the guest owns and what vmm
// itself costs, for --report's "resident_memory" and the benchmarks' "vmm's own memory".
//
//   guest_ram     resident pages of guest RAM (the "ram-*" memslots): the guest touched them
//   guest_device  resident pages of device memory the guest was given: every other live
//                 memslot (blobs, the fixed host-visible region) and every HOST3D blob's
//                 memfd mapping (/memfd:gpu-blob-*), mapped or not
//   own_file      vmm's binary and shared libraries, as resident in this process
//   own_anonymous everything else: heap, thread stacks, kvm_run pages, device state
//
// The sum equals the process's Rss as smaps counts it (a page mapped twice counts twice,
// as it does in VmRSS). Read from /proc/self/smaps through an fd opened at set-up, so the
// main thread needs no open() after its seccomp confinement, only pread64 on that fd.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/unique_fd.h"
#include "memory/memslot.h"

namespace vmm {

struct ResidentMemory {
  std::uint64_t guest_ram = 0;
  std::uint64_t guest_device = 0;
  std::uint64_t own_file = 0;
  std::uint64_t own_anonymous = 0;
  std::uint64_t total() const { return guest_ram + guest_device + own_file + own_anonymous; }
  std::uint64_t own() const { return own_file + own_anonymous; }
};

// Sorts every mapping of an smaps text by the rules above; `slots` are the live memslots.
ResidentMemory classify_smaps(std::string_view smaps, std::span<const Memslot> slots);

class ResidentMemoryReader {
 public:
  // Opens /proc/self/smaps; an reader that could not open it samples nothing.
  static ResidentMemoryReader open_self();
  ResidentMemoryReader() = default;

  int fd() const { return fd_.get(); }  // -1 when not open: the seccomp rule names it
  // nullopt when not open or unreadable, with why in *error.
  std::optional<ResidentMemory> sample(std::span<const Memslot> slots, std::string* error) const;

  // smaps is about 1 KiB per mapping; a guest with every HOST3D blob allowed alive has a few
  // thousand. Beyond this the sample is refused rather than grown without end.
  static constexpr std::size_t kMaxSmapsBytes = 64u << 20;

 private:
  explicit ResidentMemoryReader(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace vmm
