// Fuzzes the PCI register surface a guest reaches: the virtio-pci modern transport
// (devices/virtio/virtio_pci.h) behind a real PciRoot — configuration mechanism #1 ports
// and BAR 0 on the MMIO bus — and, in a second mode, a bare PciConfigSpace
// (devices/pci/pci_config_space.h) with BARs and capabilities declared from the input.
//
// The first input byte picks the mode (bit 0). Transport mode: a stream of operations —
// config address/data port accesses (mostly at interesting registers: command, BARs, the
// MSI-X message control, the VIRTIO_PCI_CAP_PCI_CFG window), BAR 0 reads/writes of any
// width, typed common-config writes (features, status, queue registers pointing into
// RAM), notifies, ISR reads, BAR sizing and moves, and writes to guest RAM for the queues.
// Behind the transport sits a recording VirtioDevice that pops its queues on notify.
//
// Invariants, transport mode, after every operation:
//  - identity, header type, the capability chain (aligned, terminating, only MSI-X and
//    vendor capabilities) and the BARs' type bits never change; a BAR's address bits below
//    its size read zero (sizing works); BAR 4/5 (unused) read zero;
//  - every mapped BAR lies in one MMIO window, aligned to its size, and no two overlap;
//    the MMIO bus holds exactly the mapped trapped BARs; a mapped trapped BAR decodes at
//    the address its register holds, with memory decode on;
//  - the device's shared-memory base is where the root placed BAR 2;
//  - DRIVER_OK implies FEATURES_OK; FEATURES_OK implies the driver accepted VERSION_1 and
//    nothing that was not offered;
//  - the device is activated only on DRIVER_OK, with one queue pointer per queue, each
//    a power-of-two size within its maximum; it is notified only while active, for a
//    queue that exists and was enabled;
//  - after an ISR read the INTx line is low; MSI-X messages are sent only while MSI-X is
//    enabled and the function is not masked.
// Config-space mode: a guest write changes no byte outside the bytes it addressed and
// none of the read-only identity bytes; accesses of a bad size or place read all-ones and
// are refused; declared BARs size correctly; add_bar/add_capability refuse what they
// document and nothing else.
#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include "devices/bus.h"
#include "devices/pci/msix_registers.h"
#include "devices/pci/pci_config_space.h"
#include "devices/pci/pci_registers.h"
#include "devices/pci/pci_root.h"
#include "devices/virtio/virtio_pci.h"
#include "devices/virtio/virtio_pci_registers.h"
#include "memory/guest_memory.h"
#include "tests/fuzz/fuzz_support.h"

namespace vmm::fuzz {
namespace {

using namespace virtio_pci;

constexpr std::uint64_t kRamSize = 1 << 20;
constexpr std::uint64_t kWindow32 = 0xc0000000, kWindow32Size = 0x10000000;
constexpr std::uint64_t kWindow64 = 0x10000000000, kWindow64Size = 0x1000000000;
constexpr std::uint64_t kShmSize = 1 << 20;
constexpr std::uint16_t kQueueMax[] = {64, 16};

class Irq : public IrqLine {
 public:
  void set_level(bool asserted) override { level = asserted; }
  bool level = false;
};

class Msi : public MsiSender {
 public:
  bool send(const MsiMessage&) override {
    ++sent;
    return true;
  }
  int sent = 0;
};

class RecordingDevice : public VirtioDevice {
 public:
  explicit RecordingDevice(const GuestMemory& memory) : memory_(memory) {}
  std::uint16_t device_id() const override { return 16; }
  std::uint64_t device_features() const override { return 0x9; }
  std::vector<std::uint16_t> queue_max_sizes() const override {
    return {std::begin(kQueueMax), std::end(kQueueMax)};
  }
  void read_config(std::uint64_t, std::span<std::uint8_t> data) override {
    std::fill(data.begin(), data.end(), 0x42);
  }
  void write_config(std::uint64_t, std::span<const std::uint8_t>) override {}
  std::vector<SharedMemoryRegionInfo> shared_memory_regions() const override {
    return {{1, kShmSize}};
  }
  void set_shared_memory_base(std::uint8_t id, std::uint64_t address) override {
    FUZZ_CHECK(id == 1, "base for a region that does not exist");
    shm_base = address;
  }
  void activate(std::uint64_t, std::vector<Virtqueue*> q, VirtioInterrupt& irq) override {
    FUZZ_CHECK(!active, "activated twice without a reset");
    FUZZ_CHECK(q.size() == std::size(kQueueMax), "activate() got the wrong number of queues");
    for (std::size_t i = 0; i < q.size(); ++i) {
      if (!q[i]) continue;
      const std::uint32_t size = q[i]->config().size;
      FUZZ_CHECK(std::has_single_bit(size) && size <= kQueueMax[i],
                 "a live queue's size is not a power of two within its maximum");
    }
    active = true;
    ++activations;
    queues = std::move(q);
    interrupt = &irq;
  }
  void notify_queue(std::uint16_t index) override {
    FUZZ_CHECK(active, "notified while not active");
    FUZZ_CHECK(index < queues.size() && queues[index] != nullptr,
               "notified for a queue that does not exist or was not enabled");
    Virtqueue& queue = *queues[index];
    bool pushed = false;
    for (int i = 0; i < 64; ++i) {
      auto popped = queue.pop();
      if (popped.status == Virtqueue::PopResult::Status::Empty ||
          popped.status == Virtqueue::PopResult::Status::BrokenQueue)
        break;
      queue.push_used(popped.chain.head, 0);
      pushed = true;
    }
    if (pushed && queue.should_notify()) interrupt->signal_used_queue(index);
  }
  void reset() override {
    active = false;
    queues.clear();
    interrupt = nullptr;
  }

  const GuestMemory& memory_;
  bool active = false;
  int activations = 0;
  std::vector<Virtqueue*> queues;
  VirtioInterrupt* interrupt = nullptr;
  std::optional<std::uint64_t> shm_base;
};

std::uint64_t le(std::span<const std::uint8_t> bytes) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < bytes.size() && i < 8; ++i) v |= std::uint64_t{bytes[i]} << (8 * i);
  return v;
}

class TransportHarness {
 public:
  explicit TransportHarness(ByteReader& in)
      : in_(in),
        root_(mmio_, AddressAllocator(kWindow32, kWindow32Size),
              AddressAllocator(kWindow64, kWindow64Size),
              [this](std::uint32_t) { return irq_; }) {
    auto device = std::make_unique<RecordingDevice>(memory_);
    fake_ = device.get();
    device_ = std::make_shared<VirtioPciDevice>(std::move(device), memory_, msi_);
    slot_ = root_.add_device(device_, "virtio-fuzz");
    // The capabilities a driver would find, for the interesting-register list.
    for (unsigned p = cfg_read(pci::kCapabilityPointer, 1), hops = 0; p != 0 && hops < 48;
         p = cfg_read(p + 1, 1), ++hops) {
      if (cfg_read(p, 1) == pci::kCapIdMsix) msix_cap_ = static_cast<std::uint8_t>(p);
      if (cfg_read(p, 1) == pci::kCapIdVendor && cfg_read(p + kCapCfgType, 1) == kCfgPci)
        pci_cfg_cap_ = static_cast<std::uint8_t>(p);
    }
    FUZZ_CHECK(msix_cap_ != 0 && pci_cfg_cap_ != 0, "MSI-X or PCI_CFG capability missing");
    ids_ = cfg_read(0, 4);
    class_rev_ = cfg_read(pci::kRevisionId, 4);
    check();
  }

  void run() {
    for (int steps = 0; !in_.done() && steps < 1024; ++steps) {
      const int sent_before = msi_.sent;
      switch (in_.u8() % 12) {
        case 0: port_address(); break;
        case 1: {
          std::uint8_t bytes[4];
          const std::size_t size = pick_size4();
          root_.read(pci::kConfigDataOffset + in_.u8() % 4, std::span(bytes, size));
          break;
        }
        case 2: {  // one statement per input read: argument order is unspecified
          const unsigned reg = interesting_reg();
          const std::uint32_t value = in_.u32();
          cfg_write(reg, value, pick_size4());
          break;
        }
        case 3: bar0_access(false); break;
        case 4: bar0_access(true); break;
        case 5: common_write(); break;
        case 6: write_status(); break;
        case 7: notify(); break;
        case 8: poke_ram(); break;
        case 9: move_bar(); break;
        case 10: pci_cfg_access(); break;
        default: {  // ISR: reading clears it and drops INTx
          std::uint8_t isr = 0;
          if (mmio_.read(bar0() + kIsrOffset, std::span(&isr, 1)))
            FUZZ_CHECK(!irq_->level, "INTx still asserted after the ISR was read");
          break;
        }
      }
      if (msi_.sent != sent_before)
        FUZZ_CHECK(device_->msix().enabled() && !device_->msix().function_masked(),
                   "an MSI-X message went out while MSI-X was disabled or masked");
      check();
    }
  }

 private:
  std::size_t pick_size4() { return std::size_t{1} << (in_.u8() % 3); }

  void select(std::uint32_t address) {
    std::uint8_t b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<std::uint8_t>(address >> (8 * i));
    root_.write(0, b);
  }
  std::uint32_t config_address(unsigned reg) const {
    return pci::kConfigAddressEnable | std::uint32_t{slot_} << 11 | (reg & 0xfc);
  }
  std::uint32_t cfg_read(unsigned reg, std::size_t size) {
    select(config_address(reg));
    std::uint8_t b[4] = {};
    root_.read(pci::kConfigDataOffset + (reg & 3), std::span(b, size));
    return static_cast<std::uint32_t>(le(std::span(b, size)));
  }
  void cfg_write(unsigned reg, std::uint32_t value, std::size_t size) {
    reg &= 0xff;
    if ((reg & 3) + size > 4) reg &= ~3u;
    select(config_address(reg));
    std::uint8_t b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<std::uint8_t>(value >> (8 * i));
    root_.write(pci::kConfigDataOffset + (reg & 3), std::span(b, size));
  }

  void port_address() {
    std::uint32_t address = in_.u32();
    const std::uint8_t sel = in_.u8();
    if (sel % 4 != 0) address = config_address(address & 0xff);  // our function, any register
    std::uint8_t b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<std::uint8_t>(address >> (8 * i));
    // Mostly a proper 32-bit write of the address register; sometimes a stray narrow one.
    const std::uint64_t port = sel % 8 == 1 ? in_.u8() % 4 : 0;
    root_.write(port, std::span(b, sel % 8 == 1 ? pick_size4() : 4));
  }

  unsigned interesting_reg() {
    switch (in_.u8() % 8) {
      case 0: return pci::kCommand;
      case 1: return pci::kBar0 + 4 * (in_.u8() % 6);
      case 2: return msix_cap_ + msix::kCapMessageControl;
      case 3: return pci_cfg_cap_ + in_.u8() % 20;
      default: return in_.u8();
    }
  }

  std::uint64_t bar0() { return device_->config().bar_address(kRegisterBar); }

  void bar0_access(bool write) {
    std::uint64_t offset = (in_.u8() % 8) * 0x1000ull;
    offset += in_.flag() ? in_.u8() % 0x40 : in_.u16() % 0x1000;
    const std::size_t size = std::size_t{1} << (in_.u8() % 4);
    std::uint8_t b[8] = {};
    if (write) {
      for (std::size_t i = 0; i < size; ++i) b[i] = in_.u8();
      mmio_.write(bar0() + offset, std::span(b, size));
    } else {
      mmio_.read(bar0() + offset, std::span(b, size));
    }
  }

  void mmio_write(std::uint64_t offset, std::uint64_t value, std::size_t size) {
    std::uint8_t b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(value >> (8 * i));
    mmio_.write(bar0() + offset, std::span(b, size));
  }

  void common_write() {
    struct Field {
      std::uint64_t offset;
      std::size_t size;
    };
    static constexpr Field kFields[] = {
        {kDeviceFeatureSelect, 4}, {kDriverFeatureSelect, 4}, {kDriverFeature, 4},
        {kConfigMsixVector, 2},    {kQueueSelect, 2},         {kQueueSize, 2},
        {kQueueMsixVector, 2},     {kQueueEnable, 2},         {kQueueDesc, 8},
        {kQueueDriver, 8},         {kQueueDevice, 8},         {kQueueDesc, 4},
        {kQueueDesc + 4, 4},       {kDeviceStatus, 1},
    };
    const Field f = kFields[in_.u8() % std::size(kFields)];
    std::uint64_t value = 0;
    switch (in_.u8() % 4) {
      case 0: value = in_.u64(); break;
      case 1: value = in_.u8() % 4; break;
      case 2: value = (std::uint64_t{in_.u8()} << 12) % kRamSize; break;  // a ring address
      default:  // what a driver would write
        if (f.offset == kDriverFeature) value = in_.flag() ? 0x9 : 0x1;  // word 0 / 1 (VERSION_1)
        else if (f.offset == kQueueSize) value = 1u << (in_.u8() % 8);
        else value = in_.u8();
    }
    mmio_write(kCommonOffset + f.offset, value, f.size);
  }

  void write_status() {
    static constexpr std::uint8_t kSteps[] = {0, 1, 3, 0xb, 0xf, 0x4, 0x40, 0x80};
    const std::uint8_t sel = in_.u8();
    const std::uint8_t value = sel < 0xf0 ? kSteps[sel % std::size(kSteps)] : in_.u8();
    mmio_write(kCommonOffset + kDeviceStatus, value, 1);
  }

  void notify() {
    const std::uint64_t queue = in_.u8() % 4;
    mmio_write(kNotifyOffset + queue * kNotifyOffMultiplier, queue, in_.flag() ? 2 : 4);
  }

  void poke_ram() {
    const std::uint64_t at = (std::uint64_t{in_.u16()} << 4) % kRamSize;
    const auto data = in_.bytes(64);
    if (!data.empty()) (void)memory_.write(at, std::span(data).first(std::min(data.size(), kRamSize - at)));
  }

  void move_bar() {
    const int bar = in_.flag() ? 0 : 2;
    const unsigned reg = pci::kBar0 + 4 * bar;
    const std::uint8_t sel = in_.u8();
    if (sel % 4 == 0) {  // toggle decode around the move, as firmware does when sizing
      const std::uint32_t command = cfg_read(pci::kCommand, 2);
      cfg_write(pci::kCommand, command ^ pci::kCommandMemorySpace, 2);
    }
    std::uint64_t address;
    switch (sel % 5) {
      case 0: address = ~0ull; break;  // sizing
      case 1: address = kWindow32 + (std::uint64_t{in_.u8()} << 15); break;
      case 2: address = kWindow64 + (std::uint64_t{in_.u8()} << 20); break;
      case 3: address = (std::uint64_t{in_.u8()} << 20); break;  // onto RAM / low memory
      default: address = in_.u64();
    }
    if (sel & 0x80) {  // both halves in one go, low first like Linux
      cfg_write(reg, static_cast<std::uint32_t>(address), 4);
      cfg_write(reg + 4, static_cast<std::uint32_t>(address >> 32), 4);
    } else {
      cfg_write(reg + (sel & 0x40 ? 4 : 0), static_cast<std::uint32_t>(in_.flag() ? address : address >> 32), 4);
    }
  }

  void pci_cfg_access() {
    cfg_write(pci_cfg_cap_ + kCapBar, in_.u8() % 8 == 0 ? in_.u8() : 0, 1);
    const std::uint32_t length = std::uint32_t{1} << (in_.u8() % 3);
    const std::uint32_t offset = in_.flag() ? in_.u32() : (in_.u16() % kRegisterBarSize) & ~(length - 1);
    cfg_write(pci_cfg_cap_ + kCapOffset, offset, 4);
    cfg_write(pci_cfg_cap_ + kCapLength, in_.u8() % 8 == 0 ? in_.u32() : length, 4);
    if (in_.flag())
      cfg_write(pci_cfg_cap_ + kPciCfgCapData, in_.u32(), 4);
    else
      (void)cfg_read(pci_cfg_cap_ + kPciCfgCapData, 4);
  }

  void check() {
    // Reading registers moves the config address; put the guest's back afterwards.
    std::uint8_t saved[4];
    root_.read(0, saved);
    check_registers();
    root_.write(0, saved);
  }

  void check_registers() {
    FUZZ_CHECK(cfg_read(0, 4) == ids_, "vendor/device id changed");
    FUZZ_CHECK(cfg_read(pci::kRevisionId, 4) == class_rev_, "revision/class changed");
    FUZZ_CHECK(cfg_read(pci::kHeaderType, 1) == pci::kHeaderTypeNormal, "header type changed");
    unsigned hops = 0;
    for (unsigned p = cfg_read(pci::kCapabilityPointer, 1); p != 0; p = cfg_read(p + 1, 1)) {
      FUZZ_CHECK(++hops <= 48, "the capability chain does not end");
      FUZZ_CHECK(p >= pci::kCapabilityStart && p % 4 == 0, "capability pointer out of place");
      const unsigned id = cfg_read(p, 1);
      FUZZ_CHECK(id == pci::kCapIdMsix || id == pci::kCapIdVendor, "unknown capability id");
    }
    // BAR registers: type bits fixed, address bits below the size zero.
    const std::uint32_t bar0_lo = cfg_read(pci::kBar0, 4);
    FUZZ_CHECK((bar0_lo & 0xf) == pci::kBarMemType64 && (bar0_lo & (kRegisterBarSize - 1) & ~0xfu) == 0,
               "BAR 0's type or size bits changed");
    const std::uint32_t bar2_lo = cfg_read(pci::kBar0 + 8, 4);
    FUZZ_CHECK((bar2_lo & 0xf) == (pci::kBarMemType64 | pci::kBarPrefetchable) &&
                   (bar2_lo & (kShmSize - 1) & ~0xfu) == 0,
               "BAR 2's type or size bits changed");
    FUZZ_CHECK(cfg_read(pci::kBar0 + 16, 4) == 0 && cfg_read(pci::kBar0 + 20, 4) == 0,
               "an unused BAR reads non-zero");

    // Placement: in a window, aligned, no overlap, the bus agreeing.
    const bool decode = device_->config().command() & pci::kCommandMemorySpace;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> placed;
    std::size_t trapped_mapped = 0;
    for (const PciBarMapping& m : root_.bar_mappings()) {
      if (!m.mapped) continue;
      const std::uint64_t at = *m.mapped;
      const bool in32 = at >= kWindow32 && at - kWindow32 <= kWindow32Size &&
                        m.size <= kWindow32Size - (at - kWindow32);
      const bool in64 = at >= kWindow64 && at - kWindow64 <= kWindow64Size &&
                        m.size <= kWindow64Size - (at - kWindow64);
      FUZZ_CHECK(in32 || in64, m.device + " BAR " + std::to_string(m.bar) + " mapped outside the windows");
      FUZZ_CHECK(at % m.size == 0, "a mapped BAR is not aligned to its size");
      placed.emplace_back(at, at + m.size);
      if (m.access == PciBarAccess::Trapped) {
        ++trapped_mapped;
        FUZZ_CHECK(decode && at == m.address, "a trapped BAR decodes away from its register or with decode off");
      } else if (m.bar == 2) {
        FUZZ_CHECK(fake_->shm_base == at, "the device's shared memory base is not where BAR 2 is");
      }
    }
    std::sort(placed.begin(), placed.end());
    for (std::size_t i = 1; i < placed.size(); ++i)
      FUZZ_CHECK(placed[i - 1].second <= placed[i].first, "two mapped BARs overlap");
    FUZZ_CHECK(mmio_.ranges().size() == trapped_mapped, "the MMIO bus disagrees with the mapped BARs");

    // Status and features.
    const std::uint8_t status = device_->device_status();
    if (status & kStatusDriverOk)
      FUZZ_CHECK(status & kStatusFeaturesOk, "DRIVER_OK without FEATURES_OK");
    if (status & kStatusFeaturesOk) {
      const std::uint64_t features = device_->driver_features();
      FUZZ_CHECK(features & (1ull << kFeatureVersion1), "FEATURES_OK without VERSION_1");
      FUZZ_CHECK((features & ~device_->offered_features()) == 0,
                 "FEATURES_OK with features that were not offered");
    }
    if (fake_->active) FUZZ_CHECK(status & kStatusDriverOk, "the device is active without DRIVER_OK");
  }

  ByteReader& in_;
  GuestMemory memory_ = GuestMemory::from_ranges({{0, kRamSize, "ram"}});
  Bus mmio_;
  Msi msi_;
  std::shared_ptr<Irq> irq_ = std::make_shared<Irq>();
  PciRoot root_;
  RecordingDevice* fake_ = nullptr;
  std::shared_ptr<VirtioPciDevice> device_;
  std::uint8_t slot_ = 0;
  std::uint8_t msix_cap_ = 0;
  std::uint8_t pci_cfg_cap_ = 0;
  std::uint32_t ids_ = 0;
  std::uint32_t class_rev_ = 0;
};

// --- bare configuration space ---------------------------------------------------------------

void config_space(ByteReader& in) {
  const PciIds ids{in.u16(), in.u16(), in.u8(), in.u32() & 0xffffff, in.u16(), in.u16()};
  PciConfigSpace space(ids);

  // Declare BARs as a device model would, including ones add_bar must refuse.
  struct Declared {
    std::uint64_t size;
    PciBarType type;
    bool prefetchable;
  };
  std::map<int, Declared> bars;
  const unsigned attempts = in.u8() % 8;
  for (unsigned i = 0; i < attempts; ++i) {
    const int index = static_cast<int>(in.u8() % 8) - 1;  // -1..6: some out of range
    const auto type = in.flag() ? PciBarType::Mem64 : PciBarType::Mem32;
    const bool prefetchable = in.flag();
    const std::uint64_t size = in.flag() ? std::uint64_t{1} << (in.u8() % 64) : in.u64();
    const bool is64 = type == PciBarType::Mem64;
    bool taken = false;
    for (const auto& [at, bar] : bars) {
      const int last = at + (bar.type == PciBarType::Mem64 ? 1 : 0);
      const int want_last = index + (is64 ? 1 : 0);
      if (index <= last && at <= want_last) taken = true;
    }
    const bool valid = index >= 0 && index + (is64 ? 1 : 0) < 6 && !taken &&
                       std::has_single_bit(size) && size >= 16 &&
                       size <= (is64 ? (1ull << 63) : (1ull << 31));
    const bool threw =
        throws<std::invalid_argument>([&] { space.add_bar(index, size, type, prefetchable); });
    FUZZ_CHECK(threw != valid, "add_bar(" + std::to_string(index) + ", " + std::to_string(size) +
                                   ") refused a valid BAR or accepted an invalid one");
    if (valid) bars[index] = {size, type, prefetchable};
  }
  // Capabilities until one does not fit.
  const unsigned caps = in.u8() % 6;
  std::size_t used = pci::kCapabilityStart;
  for (unsigned i = 0; i < caps; ++i) {
    const std::vector<std::uint8_t> body(in.u8() % 80, 0xa5);
    bool threw = false;
    try {
      const auto at = space.add_capability(in.u8(), body);
      FUZZ_CHECK(at == used && at % 4 == 0, "capability placed out of order");
    } catch (const std::length_error&) {
      threw = true;
    }
    FUZZ_CHECK(threw == (used + 2 + body.size() > PciConfigSpace::kSize),
               "add_capability refused one that fits or accepted one that does not");
    if (!threw) used = (used + 2 + body.size() + 3) & ~std::size_t{3};
  }
  for (int i = 0; i < 6; ++i) {
    auto info = space.bar_info(i);
    FUZZ_CHECK(info.has_value() == (bars.count(i) == 1), "bar_info disagrees with what was declared");
  }

  auto snapshot = [&] {
    std::array<std::uint8_t, PciConfigSpace::kSize> b{};
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(space.read(static_cast<std::uint16_t>(i), 1));
    return b;
  };
  constexpr std::uint16_t kReadOnly[] = {0, 1, 2, 3, 8, 9, 10, 11, 0x0e, 0x2c, 0x2d, 0x2e, 0x2f, 0x34, 0x3d};
  const auto initial = snapshot();

  for (int steps = 0; !in.done() && steps < 512; ++steps) {
    const auto offset = static_cast<std::uint16_t>(in.flag() ? in.u8() : in.u16());
    const std::size_t size = in.u8() % 6;  // 0, 3 and 5 are bad sizes
    const bool ok = (size == 1 || size == 2 || size == 4) && offset + size <= PciConfigSpace::kSize;
    switch (in.u8() % 4) {
      case 0: {
        const auto before = snapshot();
        const bool written = space.write(offset, size, in.u32());
        FUZZ_CHECK(written == ok, "write() accepted a bad access or refused a good one");
        const auto after = snapshot();
        for (std::size_t i = 0; i < after.size(); ++i)
          if (!(ok && i >= offset && i < offset + size))
            FUZZ_CHECK(after[i] == before[i], "a write changed a byte it did not address");
        for (std::uint16_t ro : kReadOnly)
          FUZZ_CHECK(after[ro] == initial[ro], "a guest write changed a read-only identity byte");
        break;
      }
      case 1:
        if (!ok) FUZZ_CHECK(space.read(offset, size) == 0xffffffffu, "a bad read is not all-ones");
        else (void)space.read(offset, size);
        break;
      case 2: {  // sizing: all-ones, then read back the mask
        if (bars.empty()) break;
        auto it = bars.begin();
        std::advance(it, in.u8() % bars.size());
        const auto& [index, bar] = *it;
        const std::uint16_t reg = static_cast<std::uint16_t>(pci::kBar0 + 4 * index);
        space.write(reg, 4, 0xffffffffu);
        const std::uint32_t type_bits = (bar.type == PciBarType::Mem64 ? pci::kBarMemType64 : 0) |
                                        (bar.prefetchable ? pci::kBarPrefetchable : 0);
        FUZZ_CHECK(space.read(reg, 4) ==
                       ((static_cast<std::uint32_t>(~(bar.size - 1)) & ~pci::kBarMemTypeMask) | type_bits),
                   "BAR sizing reads back the wrong mask");
        if (bar.type == PciBarType::Mem64) {
          space.write(reg + 4, 4, 0xffffffffu);
          FUZZ_CHECK(space.read(reg + 4, 4) == static_cast<std::uint32_t>(~(bar.size - 1) >> 32),
                     "64-bit BAR sizing reads back the wrong upper mask");
        }
        break;
      }
      default: {  // firmware-style assignment
        if (bars.empty()) break;
        auto it = bars.begin();
        std::advance(it, in.u8() % bars.size());
        const auto& [index, bar] = *it;
        const std::uint64_t address = in.u64();
        space.set_bar_address(index, address);
        std::uint64_t expected = address & ~(bar.size - 1) & ~std::uint64_t{pci::kBarMemTypeMask};
        if (bar.type == PciBarType::Mem32) expected &= 0xffffffffu;
        FUZZ_CHECK(space.bar_address(index) == expected, "bar_address() is not what was assigned");
      }
    }
  }
}

// One input: the first byte picks the config space alone or the whole transport.
void run(ByteReader& in) {
  if (in.u8() & 1) {
    config_space(in);
  } else {
    TransportHarness harness(in);
    harness.run();
  }
}

}  // namespace
}  // namespace vmm::fuzz

VMM_FUZZ_TARGET(vmm::fuzz::run)
