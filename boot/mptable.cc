#include "boot/mptable.h"

#include <cstring>
#include <string>

#include "boot/boot_error.h"

namespace vmm {

namespace {

// Layout facts from the MP specification 1.4, chapter 4.
constexpr std::uint8_t kSpecRevision = 4;
constexpr std::uint32_t kLapicAddr = 0xfee00000;
constexpr std::uint32_t kIoapicAddr = 0xfec00000;
constexpr std::uint8_t kLapicVersion = 0x14;
constexpr std::uint8_t kIoapicVersion = 0x11;  // what KVM's in-kernel IOAPIC reports
constexpr std::uint8_t kIsaIrqCount = 16;

enum EntryType : std::uint8_t { kProcessor = 0, kBus = 1, kIoapic = 2, kIoInterrupt = 3, kLocalInterrupt = 4 };
enum InterruptType : std::uint8_t { kInt = 0, kNmi = 1, kExtInt = 3 };
constexpr std::uint8_t kBusIdPci = 0;
constexpr std::uint8_t kBusIdIsa = 1;
constexpr std::uint16_t kFlagsConforming = 0;
// Polarity bits 1:0 = 01 (active high), trigger bits 3:2 = 11 (level).
constexpr std::uint16_t kFlagsLevelActiveHigh = 0x1 | (0x3 << 2);

class Writer {
 public:
  void u8(std::uint8_t v) { bytes.push_back(v); }
  void u16(std::uint16_t v) { u8(v & 0xff), u8(v >> 8); }
  void u32(std::uint32_t v) { u16(v & 0xffff), u16(v >> 16); }
  void text(const char* s, std::size_t width) {  // space-padded, not NUL-terminated
    for (std::size_t i = 0; i < width; ++i) u8(i < std::strlen(s) ? s[i] : ' ');
  }
  std::vector<std::uint8_t> bytes;
};

// Every MP structure is valid when its bytes sum to zero modulo 256.
std::uint8_t checksum(const std::uint8_t* data, std::size_t size) {
  std::uint8_t sum = 0;
  for (std::size_t i = 0; i < size; ++i) sum = static_cast<std::uint8_t>(sum + data[i]);
  return static_cast<std::uint8_t>(-sum);
}

void io_interrupt(Writer& w, std::uint16_t flags, std::uint8_t bus, std::uint8_t bus_irq,
                  std::uint8_t ioapic_id, std::uint8_t pin) {
  w.u8(kIoInterrupt), w.u8(kInt), w.u16(flags), w.u8(bus), w.u8(bus_irq), w.u8(ioapic_id), w.u8(pin);
}

}  // namespace

std::vector<std::uint8_t> build_mptable(const MpTableSpec& spec, std::uint64_t base) {
  if (spec.cpu_count == 0 || spec.cpu_count > kMaxMpCpus)
    throw BootError("MP table: " + std::to_string(spec.cpu_count) +
                    " CPUs requested, supported 1.." + std::to_string(kMaxMpCpus));
  const std::uint8_t ioapic_id = static_cast<std::uint8_t>(spec.cpu_count);  // after the LAPICs

  Writer entries;
  std::uint16_t count = 0;
  for (std::uint32_t cpu = 0; cpu < spec.cpu_count; ++cpu, ++count) {
    entries.u8(kProcessor), entries.u8(static_cast<std::uint8_t>(cpu)), entries.u8(kLapicVersion);
    entries.u8(cpu == 0 ? 0x3 : 0x1);  // enabled, and bootstrap processor for CPU 0
    entries.u32(spec.cpu_signature), entries.u32(spec.cpu_features);
    entries.u32(0), entries.u32(0);
  }
  entries.u8(kBus), entries.u8(kBusIdPci), entries.text("PCI", 6), ++count;
  entries.u8(kBus), entries.u8(kBusIdIsa), entries.text("ISA", 6), ++count;
  entries.u8(kIoapic), entries.u8(ioapic_id), entries.u8(kIoapicVersion), entries.u8(1);
  entries.u32(kIoapicAddr), ++count;
  // ISA IRQs map 1:1 onto IOAPIC pins, which is how KVM's default GSI routing wires them.
  for (std::uint8_t irq = 0; irq < kIsaIrqCount; ++irq, ++count)
    io_interrupt(entries, kFlagsConforming, kBusIdIsa, irq, ioapic_id, irq);
  for (const auto& route : spec.pci_routes) {
    // PCI source bus IRQ: device number in bits 6:2, pin (0 = INTA) in bits 1:0.
    const auto source = static_cast<std::uint8_t>((route.slot << 2) | (route.pin & 0x3));
    io_interrupt(entries, kFlagsLevelActiveHigh, kBusIdPci, source, ioapic_id, route.gsi);
    ++count;
  }
  // LINT0 takes the PIC's ExtINT, LINT1 the NMI, on every local APIC (id 0xff).
  entries.u8(kLocalInterrupt), entries.u8(kExtInt), entries.u16(0), entries.u8(kBusIdIsa);
  entries.u8(0), entries.u8(0xff), entries.u8(0), ++count;
  entries.u8(kLocalInterrupt), entries.u8(kNmi), entries.u16(0), entries.u8(kBusIdIsa);
  entries.u8(0), entries.u8(0xff), entries.u8(1), ++count;

  constexpr std::size_t kFloatingSize = 16;
  constexpr std::size_t kHeaderSize = 44;
  Writer table;
  table.text("PCMP", 4);
  table.u16(static_cast<std::uint16_t>(kHeaderSize + entries.bytes.size()));
  table.u8(kSpecRevision), table.u8(0);  // checksum patched below
  table.text("VMM", 8), table.text("VMM-MPTABLE", 12);
  table.u32(0), table.u16(0);  // no OEM table
  table.u16(count), table.u32(kLapicAddr);
  table.u16(0), table.u8(0), table.u8(0);  // no extended entries
  table.bytes.insert(table.bytes.end(), entries.bytes.begin(), entries.bytes.end());
  table.bytes[7] = checksum(table.bytes.data(), table.bytes.size());

  Writer floating;
  floating.text("_MP_", 4);
  floating.u32(static_cast<std::uint32_t>(base + kFloatingSize));
  floating.u8(1), floating.u8(kSpecRevision), floating.u8(0);  // length in 16-byte units
  floating.u8(0);     // feature 1: 0 = a configuration table is present
  floating.u8(0);     // feature 2: IMCR absent, virtual-wire mode
  floating.u8(0), floating.u8(0), floating.u8(0);
  floating.bytes[10] = checksum(floating.bytes.data(), floating.bytes.size());

  std::vector<std::uint8_t> out = floating.bytes;
  out.insert(out.end(), table.bytes.begin(), table.bytes.end());
  return out;
}

std::uint64_t write_mptable(const GuestMemory& memory, const MpTableSpec& spec) {
  const auto bytes = build_mptable(spec, kMpTableAddr);
  if (!memory.write(kMpTableAddr, bytes))
    throw BootError("MP table (" + std::to_string(bytes.size()) + " bytes) does not fit in RAM at 0xf0000");
  return bytes.size();
}

}  // namespace vmm
