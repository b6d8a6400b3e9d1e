// The state the boot vCPU starts in for Linux's 64-bit boot protocol: long mode, paging on
// with an identity map of the first 4 GiB, a flat GDT with __BOOT_CS = 0x10 and
// __BOOT_DS = 0x18, interrupts off, %rsi = the zero page. Plain structs only: the vmm/kvm
// layer turns them into kvm_regs, kvm_sregs and KVM_SET_MSRS.
#pragma once

#include <cstdint>
#include <vector>

#include "boot/segment.h"
#include "memory/guest_memory.h"

namespace vmm {

namespace x86 {
inline constexpr std::uint64_t kCr0Pe = 1ull << 0;   // protected mode
inline constexpr std::uint64_t kCr0Mp = 1ull << 1;   // WAIT honours TS (x87 with TS)
inline constexpr std::uint64_t kCr0Et = 1ull << 4;   // 387-style FPU; hardwired 1 anyway
inline constexpr std::uint64_t kCr0Ne = 1ull << 5;   // native x87 errors; VMX requires it
inline constexpr std::uint64_t kCr0Pg = 1ull << 31;  // paging, required for long mode
inline constexpr std::uint64_t kCr4Pae = 1ull << 5;  // 64-bit page table entries, required
inline constexpr std::uint64_t kEferLme = 1ull << 8;
inline constexpr std::uint64_t kEferLma = 1ull << 10;
inline constexpr std::uint64_t kRflagsReserved = 1ull << 1;  // bit 1 always reads 1

inline constexpr std::uint32_t kMsrPat = 0x277;
inline constexpr std::uint32_t kMsrMtrrDefType = 0x2ff;
inline constexpr std::uint64_t kMtrrEnable = 1ull << 11;
inline constexpr std::uint64_t kMemTypeWb = 6;
// Power-on PAT: entries 0..7 = WB, WT, UC-, UC, WB, WT, UC-, UC.
inline constexpr std::uint64_t kPatPowerOn = 0x0007040600070406;

inline constexpr std::uint16_t kBootCs = 0x10;  // Linux's __BOOT_CS
inline constexpr std::uint16_t kBootDs = 0x18;  // Linux's __BOOT_DS
inline constexpr std::uint16_t kBootTss = 0x20;  // a 16-byte descriptor: slots 4 and 5
inline constexpr std::size_t kGdtSlots = 6;
inline constexpr std::uint32_t kTssLimit = 0x67;  // 104-byte 64-bit TSS, minus one
inline constexpr std::uint8_t kTypeBusyTss64 = 11;
}  // namespace x86

struct DescriptorTable {
  std::uint64_t base = 0;
  std::uint16_t limit = 0;
};

struct Msr {
  std::uint32_t index;
  std::uint64_t value;
  bool operator==(const Msr&) const = default;
};

struct X86EntryState {
  // General registers; every one not named here starts at 0.
  std::uint64_t rip = 0;
  std::uint64_t rsi = 0;  // guest-physical address of boot_params
  std::uint64_t rsp = 0;
  std::uint64_t rflags = 0;

  std::uint64_t cr0 = 0;
  std::uint64_t cr3 = 0;
  std::uint64_t cr4 = 0;
  std::uint64_t efer = 0;

  Segment cs, ds, es, fs, gs, ss, tr, ldtr;
  DescriptorTable gdt, idt;

  std::vector<Msr> msrs;  // to set with KVM_SET_MSRS before the first KVM_RUN
};

// Writes the GDT, a zeroed TSS and the identity page tables at their boot_layout addresses
// and returns the state that enters the kernel at `rip` with %rsi = `boot_params_addr`.
// Throws BootError if any of those structures is not in guest RAM.
X86EntryState setup_x86_entry(const GuestMemory& memory, std::uint64_t rip,
                              std::uint64_t boot_params_addr);

}  // namespace vmm
