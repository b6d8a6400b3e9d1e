// The Intel MultiProcessor Specification 1.4 table: how a guest without ACPI finds its CPUs,
// the IOAPIC, and how ISA and PCI interrupts reach IOAPIC pins. Linux reads it when ACPI is
// absent (vmm offers no ACPI).
#pragma once

#include <cstdint>
#include <vector>

#include "memory/guest_memory.h"

namespace vmm {

// One PCI INTx route: device `slot` on bus 0, `pin` 0..3 = INTA..INTD, wired to IOAPIC `gsi`.
struct PciIntxRoute {
  std::uint8_t slot;
  std::uint8_t pin;
  std::uint8_t gsi;
};

struct MpTableSpec {
  std::uint32_t cpu_count = 1;             // APIC ids 0..cpu_count-1; CPU 0 boots
  std::uint32_t cpu_signature = 0;         // CPUID.01H:EAX, informational
  std::uint32_t cpu_features = 0;          // CPUID.01H:EDX, informational
  std::vector<PciIntxRoute> pci_routes;    // level-triggered, active-high (KVM's IOAPIC)
};

// Where the table goes: the floating pointer at the start of the BIOS area, which Linux
// scans (0xF0000-0xFFFFF), the configuration table right after it. That area is backed by
// the low RAM slot and reported reserved in e820.
inline constexpr std::uint64_t kMpTableAddr = 0xf0000;
inline constexpr std::uint32_t kMaxMpCpus = 254;  // APIC id 255 is broadcast; IOAPIC takes one

// Builds the floating pointer + configuration table as placed at `base`. Throws BootError
// for a CPU count of 0 or above kMaxMpCpus.
std::vector<std::uint8_t> build_mptable(const MpTableSpec& spec, std::uint64_t base);

// Builds and writes the table at kMpTableAddr; returns its size.
std::uint64_t write_mptable(const GuestMemory& memory, const MpTableSpec& spec);

}  // namespace vmm
