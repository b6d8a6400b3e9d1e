// pci_config/...: guest PCI configuration accesses through the path a vCPU's port-I/O exit
// takes: the port-I/O Bus (PciRoot at 0xcf8..0xcff next to the legacy ranges that
// vmm/assembly/machine.cc registers, here served by a null device), PciRoot's configuration
// mechanism #1, the addressed PciDevice and its PciConfigSpace. One configuration access is
// what Linux's pci_conf1_read/write does: a dword write of the address to 0xcf8, then the
// access at 0xcfc: two port exits, counted as one item.
//
// The device stands in for virtio-gpu's BAR layout: BAR0 32-bit, trapped (on the MMIO bus),
// BAR2 64-bit prefetchable, mapped by the device itself.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <span>

#include "bench/micro/micro.h"
#include "devices/bus.h"
#include "devices/debug_exit.h"
#include "devices/i8042.h"
#include "devices/pci/pci_registers.h"
#include "devices/pci/pci_root.h"
#include "devices/serial_8250.h"
#include "memory/address_allocator.h"

namespace vmm::bench {
namespace {

constexpr std::uint64_t kWindow32 = 0xc0000000;
constexpr std::uint64_t kWindow32Size = 0x10000000;
constexpr std::uint64_t kWindow64 = 0x100'0000'0000;
constexpr std::uint64_t kWindow64Size = 0x10'0000'0000;
constexpr std::uint64_t kBar0Size = 0x8000;
constexpr std::uint16_t kVendor = 0x1af4;
constexpr std::uint16_t kDevice = 0x1050;

class BenchPciDevice : public PciDevice {
 public:
  BenchPciDevice() : PciDevice(PciIds{kVendor, kDevice, 1, 0x038000, kVendor, 0x1100}) {
    add_bar(0, kBar0Size, PciBarType::Mem32, false, PciBarAccess::Trapped);
    add_bar(2, 0x1000000, PciBarType::Mem64, true, PciBarAccess::DeviceMapped);
    config().set_interrupt(0, pci::kPinIntA);
  }
};

class NullIrqLine : public IrqLine {
 public:
  void set_level(bool) override {}
};

class NullBusDevice : public BusDevice {
 public:
  void read(std::uint64_t, std::span<std::uint8_t> data) override {
    for (auto& b : data) b = 0xff;
  }
  void write(std::uint64_t, std::span<const std::uint8_t>) override {}
};

struct PciMachine {
  // The io bus holds the root too: it must go before the MMIO bus, which ~PciRoot uses.
  Bus mmio;
  Bus io;
  std::shared_ptr<PciRoot> root = std::make_shared<PciRoot>(
      mmio, AddressAllocator(kWindow32, kWindow32Size), AddressAllocator(kWindow64, kWindow64Size),
      [](std::uint32_t) { return std::make_shared<NullIrqLine>(); });
  std::uint8_t slot = 0;

  PciMachine() {
    auto null = std::make_shared<NullBusDevice>();
    io.add(kCom1Base, kSerial8250Size, null, "com1");
    io.add(kI8042Base, kI8042Size, null, "i8042");
    io.add(kDebugExitPort, kDebugExitSize, null, "debug-exit");
    io.add(pci::kConfigAddressPort, pci::kConfigPortsSize, root, "pci");
    slot = root->add_device(std::make_shared<BenchPciDevice>(), "bench-gpu");
  }

  static std::uint32_t address(unsigned slot, unsigned reg) {
    return pci::kConfigAddressEnable | slot << 11 | (reg & 0xfc);
  }
  // One configuration access, as the guest makes it: outl(address, 0xcf8), then in/out at
  // 0xcfc + (reg & 3). False if a port was not claimed (cannot happen once set up).
  bool read(unsigned slot, unsigned reg, std::size_t size, std::uint32_t& value) {
    if (!select(slot, reg)) return false;
    std::uint8_t bytes[4] = {};
    if (!io.read(pci::kConfigAddressPort + pci::kConfigDataOffset + (reg & 3), std::span(bytes, size)))
      return false;
    value = 0;
    for (std::size_t i = 0; i < size; ++i) value |= std::uint32_t{bytes[i]} << (8 * i);
    return true;
  }
  bool write(unsigned slot, unsigned reg, std::size_t size, std::uint32_t value) {
    if (!select(slot, reg)) return false;
    std::uint8_t bytes[4];
    for (int i = 0; i < 4; ++i) bytes[i] = static_cast<std::uint8_t>(value >> (8 * i));
    return io.write(pci::kConfigAddressPort + pci::kConfigDataOffset + (reg & 3), std::span(bytes, size));
  }

 private:
  bool select(unsigned slot, unsigned reg) {
    const std::uint32_t value = address(slot, reg);
    std::uint8_t bytes[4];
    for (int i = 0; i < 4; ++i) bytes[i] = static_cast<std::uint8_t>(value >> (8 * i));
    return io.write(pci::kConfigAddressPort, bytes);
  }
};

// A dword read of `reg` on `slot` (the device, or an empty slot); checked once against
// `expected`.
void read_dword(benchmark::State& state, bool present, std::uint16_t reg, std::uint32_t expected) {
  auto machine = std::make_unique<PciMachine>();
  const unsigned slot = present ? machine->slot : 31;
  std::uint32_t value = 0;
  if (!machine->read(slot, reg, 4, value) || value != expected) {
    state.SkipWithError("unexpected configuration value");
    return;
  }
  for (auto _ : state) {
    machine->read(slot, reg, 4, value);
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(state.iterations());
}

// The write of a BAR sizing probe: all-ones to BAR0 with memory decode off, as Linux's
// __pci_read_base does. PciRoot re-examines the BARs after every BAR write.
void write_bar0_all_ones(benchmark::State& state) {
  auto machine = std::make_unique<PciMachine>();
  const unsigned slot = machine->slot;
  std::uint32_t command = 0, mask = 0;
  bool ok = machine->read(slot, pci::kCommand, 2, command) &&
            machine->write(slot, pci::kCommand, 2, command & ~pci::kCommandMemorySpace) &&
            machine->write(slot, pci::kBar0, 4, 0xffffffff) && machine->read(slot, pci::kBar0, 4, mask);
  if (!ok || mask != static_cast<std::uint32_t>(~(kBar0Size - 1))) {
    state.SkipWithError("BAR0 does not size");
    return;
  }
  for (auto _ : state) {
    ok = machine->write(slot, pci::kBar0, 4, 0xffffffff);
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
}

// Linux's whole sizing of one BAR (__pci_read_base): read the command register, decode off,
// read the BAR, write all-ones, read the size mask, restore the BAR, decode back on, which
// unregisters and re-registers the trapped BAR on the MMIO bus. 7 configuration accesses.
void bar0_sizing_sequence(benchmark::State& state) {
  auto machine = std::make_unique<PciMachine>();
  const unsigned slot = machine->slot;
  auto size_bar0 = [&](std::uint32_t& mask) {
    std::uint32_t command = 0, original = 0;
    return machine->read(slot, pci::kCommand, 2, command) &&
           machine->write(slot, pci::kCommand, 2, command & ~pci::kCommandMemorySpace) &&
           machine->read(slot, pci::kBar0, 4, original) &&
           machine->write(slot, pci::kBar0, 4, 0xffffffff) &&
           machine->read(slot, pci::kBar0, 4, mask) &&
           machine->write(slot, pci::kBar0, 4, original) &&
           machine->write(slot, pci::kCommand, 2, command);
  };
  std::uint32_t mask = 0;
  const std::size_t ranges = machine->mmio.ranges().size();
  if (!size_bar0(mask) || mask != static_cast<std::uint32_t>(~(kBar0Size - 1)) ||
      machine->mmio.ranges().size() != ranges || ranges == 0) {
    state.SkipWithError("BAR0 does not size, or is not back on the MMIO bus");
    return;
  }
  for (auto _ : state) {
    const bool ok = size_bar0(mask);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(mask);
  }
  state.SetItemsProcessed(state.iterations() * 7);  // configuration accesses
}

}  // namespace

void register_pci_benchmarks() {
  benchmark::RegisterBenchmark("pci_config/read_vendor_device", read_dword, true, pci::kVendorId,
                               std::uint32_t{kDevice} << 16 | kVendor);
  // BAR0 as add_device() assigned it: the first 32-bit window address, type bits 0.
  benchmark::RegisterBenchmark("pci_config/read_bar0", read_dword, true, pci::kBar0,
                               static_cast<std::uint32_t>(kWindow32));
  // Enumeration probing an empty slot: all-ones.
  benchmark::RegisterBenchmark("pci_config/read_absent_slot", read_dword, false, pci::kVendorId,
                               0xffffffffu);
  benchmark::RegisterBenchmark("pci_config/write_bar0_all_ones", write_bar0_all_ones);
  benchmark::RegisterBenchmark("pci_config/bar0_sizing_sequence", bar0_sizing_sequence);
}

}  // namespace vmm::bench
