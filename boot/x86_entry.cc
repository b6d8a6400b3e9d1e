#include "boot/x86_entry.h"

#include <array>

#include "base/format.h"
#include "boot/boot_error.h"
#include "boot/boot_layout.h"
#include "boot/page_tables.h"

namespace vmm {

namespace {

using namespace x86;

// Flat 4 GiB segments as the 64-bit boot protocol asks. Types carry the accessed bit so
// the CPU never has to write it back into the GDT.
Segment boot_code_segment() {
  return {.base = 0, .limit = 0xffffffff, .selector = kBootCs, .type = 0xb /* exec/read */,
          .present = 1, .dpl = 0, .db = 0 /* must be 0 when L = 1 */, .s = 1, .l = 1, .g = 1};
}

Segment boot_data_segment() {
  return {.base = 0, .limit = 0xffffffff, .selector = kBootDs, .type = 0x3 /* read/write */,
          .present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1};
}

// KVM refuses to enter a guest whose TR is not a present busy TSS, even in long mode where
// nothing uses it until the kernel loads its own; this one points at a zeroed 104 bytes.
Segment boot_tss_segment() {
  return {.base = boot_layout::kTssAddr, .limit = kTssLimit, .selector = kBootTss,
          .type = kTypeBusyTss64, .present = 1, .dpl = 0, .db = 0, .s = 0, .l = 0, .g = 0};
}

// No LDT: marked unusable, so the hypervisor does not check the descriptor's contents.
Segment unusable_ldt() {
  return {.base = 0, .limit = 0, .selector = 0, .type = 0x2 /* LDT */, .present = 0,
          .unusable = 1};
}

template <typename T>
void write_or_throw(const GuestMemory& memory, std::uint64_t addr, const T& value,
                    const char* what) {
  if (!memory.write_obj(addr, value))
    throw BootError(std::string(what) + " at " + hex(addr) +
                    " is not in guest RAM");
}

std::array<std::uint64_t, kGdtSlots> build_gdt(const Segment& cs, const Segment& ds,
                                               const Segment& tss) {
  std::array<std::uint64_t, kGdtSlots> gdt{};  // slots 0 (null) and 1 stay empty
  gdt[kBootCs / 8] = encode_descriptor(cs);
  gdt[kBootDs / 8] = encode_descriptor(ds);
  const auto tss_desc = encode_system_descriptor(tss);
  gdt[kBootTss / 8] = tss_desc[0];
  gdt[kBootTss / 8 + 1] = tss_desc[1];
  return gdt;
}

}  // namespace

X86EntryState setup_x86_entry(const GuestMemory& memory, std::uint64_t rip,
                              std::uint64_t boot_params_addr) {
  X86EntryState state;
  state.cs = boot_code_segment();
  state.ds = state.es = state.fs = state.gs = state.ss = boot_data_segment();
  state.tr = boot_tss_segment();
  state.ldtr = unusable_ldt();

  const auto gdt = build_gdt(state.cs, state.ds, state.tr);
  write_or_throw(memory, boot_layout::kGdtAddr, gdt, "GDT");
  write_or_throw(memory, boot_layout::kTssAddr, std::array<std::uint8_t, kTssLimit + 1>{},
                 "TSS");
  state.gdt = {.base = boot_layout::kGdtAddr, .limit = sizeof(gdt) - 1};
  // No IDT: interrupts are off and the kernel installs its own before enabling them; an
  // exception before that is a triple fault, which the VMM sees as a shutdown exit.
  state.idt = {.base = 0, .limit = 0};

  state.cr3 = write_identity_page_tables(memory, boot_layout::kPml4Addr, boot_layout::kPdptAddr,
                                         boot_layout::kPdAddr);
  // Caching enabled (CD = NW = 0, unlike the reset value 0x60000010), protected mode with
  // paging, FPU in the mode every 64-bit OS uses.
  state.cr0 = kCr0Pe | kCr0Mp | kCr0Et | kCr0Ne | kCr0Pg;
  state.cr4 = kCr4Pae;
  state.efer = kEferLme | kEferLma;

  state.rip = rip;
  state.rsi = boot_params_addr;
  // Linux switches to its own stack at once; a valid one here serves small guests (and any
  // call made before that) without touching the zero page below it.
  state.rsp = boot_layout::kStackPointer;
  state.rflags = kRflagsReserved;  // IF = 0: the protocol enters with interrupts disabled

  state.msrs = {
      // MTRRs on with default type WB and no variable ranges: RAM is cacheable as on real
      // firmware. Left at reset (0) every access would be UC, and guest memory types
      // (the point of vmm) would be measured against the wrong baseline.
      {kMsrMtrrDefType, kMtrrEnable | kMemTypeWb},
      // The power-on PAT, set explicitly so a VMM reusing a vCPU starts from a known value.
      {kMsrPat, kPatPowerOn},
  };
  return state;
}

}  // namespace vmm
