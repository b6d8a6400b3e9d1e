// Fuzzes MsixTable (devices/pci/msix.h): the MSI-X capability in a PciConfigSpace, the
// vector table and the PBA, against a reference model of PCI 3.0 §6.8.2 written here.
//
// Input: the vector count and where the capability says the table and PBA are (some of
// those placements are invalid and must be refused), then a stream of operations — table
// writes and reads of 1-8 bytes at any offset (mostly in or just past the table), PBA
// reads, guest configuration writes (mostly to the message control word), trigger(vector),
// and the MSI sender starting or stopping to accept messages.
//
// Invariants after every operation, all against the model:
//  - table reads return the bytes written (all-ones past the table), PBA reads return the
//    pending bits (all-ones past the PBA), writes past the end change nothing;
//  - trigger() sends exactly when MSI-X is enabled and neither the function nor the vector
//    is masked, and then returns what the sender answered; a masked vector becomes
//    pending, a disabled function does nothing;
//  - unmasking (vector or function) or enabling sends each pending vector once, in vector
//    order, and clears its pending bit; the messages sent are exactly the model's, with
//    the address and data the table held at that moment;
//  - enabled(), function_masked(), vector_masked(), pending() and message() agree with
//    the model; the capability's table size, table and PBA words never change.
#include <array>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "devices/pci/msix.h"
#include "devices/pci/msix_registers.h"
#include "devices/pci/pci_config_space.h"
#include "devices/pci/pci_registers.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/unit/pci/pci_fakes.h"

namespace vmm::fuzz {
namespace {

using testing::RecordingMsiSender;

struct Model {
  struct Entry {
    std::array<std::uint8_t, 16> bytes{};
    bool pending = false;
    std::uint32_t word(int i) const {
      return bytes[4 * i] | bytes[4 * i + 1] << 8 | bytes[4 * i + 2] << 16 |
             std::uint32_t{bytes[4 * i + 3]} << 24;
    }
    bool masked() const { return bytes[12] & msix::kVectorControlMask; }
    MsiMessage message() const {
      return {word(0) | std::uint64_t{word(1)} << 32, word(2)};
    }
  };
  std::vector<Entry> entries;
  bool enabled = false;
  bool function_masked = false;
  std::vector<MsiMessage> sent;

  void deliver_pending() {
    if (!enabled || function_masked) return;
    for (Entry& e : entries)
      if (e.pending && !e.masked()) {
        e.pending = false;
        sent.push_back(e.message());
      }
  }
};

bool same(const MsiMessage& a, const MsiMessage& b) {
  return a.address == b.address && a.data == b.data;
}

void run(ByteReader& in) {
  const std::uint8_t sel = in.u8();
  const std::uint16_t vectors =
      sel < 0xf0 ? 1 + sel % 8 : static_cast<std::uint16_t>(in.u16() % 2100);  // 0, >2048 refused
  RecordingMsiSender sender;
  if (vectors == 0 || vectors > msix::kMaxVectors) {
    const bool threw = throws<std::invalid_argument>([&] { MsixTable refused(vectors, sender); });
    FUZZ_CHECK(threw, "a vector count outside 1..2048 was accepted");
    return;
  }
  MsixTable table(vectors, sender);
  PciConfigSpace config(PciIds{0x1af4, 0x1050, 1, 0x038000, 0x1af4, 0x1100});

  // Where the table and PBA live; a bad BAR or an unaligned offset must be refused.
  std::uint8_t table_bar = 0, pba_bar = 0;
  std::uint32_t table_offset = 0x4000, pba_offset = 0x5000;
  if (in.u8() % 4 == 0) {
    table_bar = in.u8() % 8;
    pba_bar = in.u8() % 8;
    table_offset = in.u32();
    pba_offset = in.u32();
  }
  const bool placement_ok = table_bar < 6 && pba_bar < 6 && table_offset % 8 == 0 && pba_offset % 8 == 0;
  std::uint8_t cap = 0;
  try {
    cap = table.add_capability(config, table_bar, table_offset, pba_bar, pba_offset);
    FUZZ_CHECK(placement_ok, "add_capability accepted a bad BAR or unaligned offset");
  } catch (const std::invalid_argument&) {
    FUZZ_CHECK(!placement_ok, "add_capability refused a valid placement");
    cap = table.add_capability(config, 0, 0x4000, 0, 0x5000);
    table_bar = pba_bar = 0;
    table_offset = 0x4000;
    pba_offset = 0x5000;
  }
  const std::uint32_t table_word = table_offset | table_bar, pba_word = pba_offset | pba_bar;
  FUZZ_CHECK(table.table_size() == 16ull * vectors && table.pba_size() == (vectors + 63) / 64 * 8ull,
             "table or PBA size is wrong");

  Model model;
  model.entries.resize(vectors);
  for (auto& e : model.entries) e.bytes[12] = msix::kVectorControlMask;  // masked at reset

  const std::uint64_t table_size = table.table_size(), pba_size = table.pba_size();
  auto pick_offset = [&](std::uint64_t limit) -> std::uint64_t {
    switch (in.u8() % 4) {
      case 0: return in.u64();
      case 1: return limit + in.u8() % 16;  // just past the end
      default: return in.u16() % (limit + 8);
    }
  };

  for (int steps = 0; !in.done() && steps < 1024; ++steps) {
    switch (in.u8() % 6) {
      case 0: {  // table write
        const std::uint64_t offset = pick_offset(table_size);
        std::vector<std::uint8_t> data(1 + in.u8() % 8);
        for (auto& b : data) b = in.u8();
        table.table_write(offset, data);
        for (std::size_t i = 0; i < data.size(); ++i) {
          const std::uint64_t at = offset + i;
          if (at < offset || at >= table_size) continue;
          model.entries[at / 16].bytes[at % 16] = data[i];
        }
        model.deliver_pending();
        break;
      }
      case 1: {  // table read
        const std::uint64_t offset = pick_offset(table_size);
        std::vector<std::uint8_t> data(1 + in.u8() % 8, 0);
        table.table_read(offset, data);
        for (std::size_t i = 0; i < data.size(); ++i) {
          const std::uint64_t at = offset + i;
          const std::uint8_t want = (at < offset || at >= table_size)
                                        ? 0xff
                                        : model.entries[at / 16].bytes[at % 16];
          FUZZ_CHECK(data[i] == want, "table read returned another byte than was written");
        }
        break;
      }
      case 2: {  // PBA read (and an attempted write, which the PBA must ignore)
        const std::uint64_t offset = pick_offset(pba_size);
        std::vector<std::uint8_t> data(1 + in.u8() % 8, 0);
        table.pba_read(offset, data);
        for (std::size_t i = 0; i < data.size(); ++i) {
          const std::uint64_t at = offset + i;
          std::uint8_t want = 0xff;
          if (at >= offset && at < pba_size) {
            want = 0;
            for (unsigned bit = 0; bit < 8; ++bit) {
              const std::uint64_t v = at * 8 + bit;
              if (v < vectors && model.entries[v].pending) want |= 1u << bit;
            }
          }
          FUZZ_CHECK(data[i] == want, "PBA read disagrees with the pending bits");
        }
        break;
      }
      case 3: {  // guest configuration write, mostly to message control
        std::uint16_t offset = cap + msix::kCapMessageControl;
        std::size_t size = 2;
        switch (in.u8() % 4) {
          case 0: offset = cap; size = 4; break;
          case 1: offset = cap + msix::kCapMessageControl + 1; size = 1; break;
          case 2: offset = in.u8(); size = std::size_t{1} << (in.u8() % 3); break;
          default: break;
        }
        const std::uint32_t value = in.u32();
        const std::uint16_t control_at = cap + msix::kCapMessageControl;
        const std::uint16_t before = config.read16(control_at);
        if (config.write(offset, size, value)) table.config_written(config, offset, size);
        const std::uint16_t after = config.read16(control_at);
        FUZZ_CHECK((after & msix::kControlTableSizeMask) == vectors - 1u,
                   "the table size in message control changed");
        FUZZ_CHECK((after & ~(msix::kControlEnable | msix::kControlFunctionMask)) ==
                       (before & ~(msix::kControlEnable | msix::kControlFunctionMask)),
                   "a read-only bit of message control changed");
        if (offset < control_at + 2 && offset + size > control_at) {
          model.enabled = after & msix::kControlEnable;
          model.function_masked = after & msix::kControlFunctionMask;
          model.deliver_pending();
        }
        break;
      }
      case 4: {  // the device raises a vector
        const auto vector = static_cast<std::uint16_t>(in.flag() ? in.u16() : in.u8() % (vectors + 1));
        const bool accepted = sender.accept;
        const bool result = table.trigger(vector);
        bool expected = false;
        if (vector < vectors && model.enabled) {
          auto& e = model.entries[vector];
          if (model.function_masked || e.masked()) {
            e.pending = true;
          } else {
            e.pending = false;
            model.sent.push_back(e.message());
            expected = accepted;
          }
        }
        FUZZ_CHECK(result == expected, "trigger() returned " + std::to_string(result) +
                                           ", the model says " + std::to_string(expected));
        break;
      }
      default: sender.accept = in.flag(); break;
    }

    // The whole observable state against the model.
    FUZZ_CHECK(sender.sent.size() == model.sent.size(),
               "sent " + std::to_string(sender.sent.size()) + " messages, the model " +
                   std::to_string(model.sent.size()));
    for (std::size_t i = 0; i < sender.sent.size(); ++i)
      FUZZ_CHECK(same(sender.sent[i], model.sent[i]), "a message went out with the wrong address or data");
    FUZZ_CHECK(table.enabled() == model.enabled && table.function_masked() == model.function_masked,
               "enable / function mask disagree with message control");
    for (std::uint16_t v = 0; v < vectors && v < 64; ++v) {
      const auto& e = model.entries[v];
      FUZZ_CHECK(table.vector_masked(v) == e.masked(), "vector mask disagrees");
      FUZZ_CHECK(table.pending(v) == e.pending, "pending bit disagrees");
      const auto message = table.message(v);
      FUZZ_CHECK(message && same(*message, e.message()), "message() disagrees with the table");
    }
    FUZZ_CHECK(!table.message(vectors) && table.vector_masked(vectors) && !table.pending(vectors),
               "a vector past the table exists");
    FUZZ_CHECK(config.read32(cap + msix::kCapTable) == table_word &&
                   config.read32(cap + msix::kCapPba) == pba_word && config.read8(cap) == pci::kCapIdMsix,
               "the capability's table or PBA location changed");
  }
}

}  // namespace
}  // namespace vmm::fuzz

VMM_FUZZ_TARGET(vmm::fuzz::run)
