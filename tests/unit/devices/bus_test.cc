#include "devices/bus.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vmm {
namespace {

// Records accesses; reads answer a byte pattern derived from the offset.
class RecordingDevice : public BusDevice {
 public:
  struct Access {
    bool is_write;
    std::uint64_t offset;
    std::vector<std::uint8_t> bytes;
  };

  void read(std::uint64_t offset, std::span<std::uint8_t> data) override {
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(offset + i);
    accesses.push_back({false, offset, {data.begin(), data.end()}});
  }
  void write(std::uint64_t offset, std::span<const std::uint8_t> data) override {
    accesses.push_back({true, offset, {data.begin(), data.end()}});
  }

  std::vector<Access> accesses;
};

std::string add_error(Bus& bus, std::uint64_t base, std::uint64_t size, std::string name) {
  try {
    bus.add(base, size, std::make_shared<RecordingDevice>(), std::move(name));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(BusTest, DispatchesWithOffsetRelativeToBase) {
  Bus bus;
  auto dev = std::make_shared<RecordingDevice>();
  bus.add(0x3f8, 8, dev, "com1");

  std::array<std::uint8_t, 1> in{};
  ASSERT_TRUE(bus.read(0x3fd, in));
  EXPECT_EQ(in[0], 5);
  const std::array<std::uint8_t, 2> out{0xab, 0xcd};
  ASSERT_TRUE(bus.write(0x3f8, out));

  ASSERT_EQ(dev->accesses.size(), 2u);
  EXPECT_FALSE(dev->accesses[0].is_write);
  EXPECT_EQ(dev->accesses[0].offset, 5u);
  EXPECT_TRUE(dev->accesses[1].is_write);
  EXPECT_EQ(dev->accesses[1].offset, 0u);
  EXPECT_EQ(dev->accesses[1].bytes, (std::vector<std::uint8_t>{0xab, 0xcd}));
}

TEST(BusTest, AdjacentRangesAreAllowedAndDispatchSeparately) {
  Bus bus;
  auto low = std::make_shared<RecordingDevice>();
  auto high = std::make_shared<RecordingDevice>();
  bus.add(0x1000, 0x10, low, "low");
  bus.add(0x1010, 0x10, high, "high");
  auto below = std::make_shared<RecordingDevice>();
  bus.add(0xff0, 0x10, below, "below");

  std::array<std::uint8_t, 1> b{};
  EXPECT_TRUE(bus.read(0x100f, b));
  EXPECT_TRUE(bus.read(0x1010, b));
  EXPECT_TRUE(bus.read(0xfff, b));
  ASSERT_EQ(low->accesses.size(), 1u);
  EXPECT_EQ(low->accesses[0].offset, 0xfu);
  ASSERT_EQ(high->accesses.size(), 1u);
  EXPECT_EQ(high->accesses[0].offset, 0u);
  ASSERT_EQ(below->accesses.size(), 1u);
  EXPECT_EQ(below->accesses[0].offset, 0xfu);
}

TEST(BusTest, OverlapThrowsNamingBothDevices) {
  Bus bus;
  bus.add(0x1000, 0x100, std::make_shared<RecordingDevice>(), "first");

  // Overlapping the start, the end, inside, enclosing, and the same base.
  for (auto [base, size] : std::vector<std::pair<std::uint64_t, std::uint64_t>>{
           {0xf00, 0x101}, {0x10ff, 0x10}, {0x1010, 0x10}, {0x0, 0x10000}, {0x1000, 1}}) {
    const std::string msg = add_error(bus, base, size, "second");
    EXPECT_NE(msg.find("'first'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'second'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("overlaps"), std::string::npos) << msg;
  }
  EXPECT_EQ(bus.ranges().size(), 1u);
}

TEST(BusTest, OverlapWithPreviousRangeIsDetected) {
  Bus bus;
  bus.add(0x1000, 0x100, std::make_shared<RecordingDevice>(), "first");
  bus.add(0x2000, 0x100, std::make_shared<RecordingDevice>(), "third");
  // Starts inside "first"; the next range above it ("third") does not overlap.
  const std::string msg = add_error(bus, 0x10f0, 0x20, "second");
  EXPECT_NE(msg.find("'first'"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("'third'"), std::string::npos) << msg;
}

TEST(BusTest, RejectsZeroSizeWrapAndNullDevice) {
  Bus bus;
  EXPECT_NE(add_error(bus, 0x10, 0, "zero").find("size is zero"), std::string::npos);
  EXPECT_NE(add_error(bus, std::numeric_limits<std::uint64_t>::max(), 2, "wrap").find("wraps"),
            std::string::npos);
  EXPECT_THROW(bus.add(0x10, 1, nullptr, "null"), std::invalid_argument);
  EXPECT_TRUE(bus.ranges().empty());
}

TEST(BusTest, RangeMayEndAtTopOfAddressSpace) {
  Bus bus;
  auto dev = std::make_shared<RecordingDevice>();
  bus.add(0xffff'ffff'ffff'fff0, 0x10, dev, "top");
  std::array<std::uint8_t, 8> b{};
  EXPECT_TRUE(bus.read(0xffff'ffff'ffff'fff8, b));
  // An access running past 2^64 - 1 must not be dispatched (nor overflow the check).
  EXPECT_FALSE(bus.read(0xffff'ffff'ffff'fffc, b));
  EXPECT_EQ(dev->accesses.size(), 1u);
}

TEST(BusTest, UnclaimedAccessesReturnFalseAndLeaveDataAlone) {
  Bus bus;
  auto dev = std::make_shared<RecordingDevice>();
  bus.add(0x100, 0x10, dev, "dev");

  std::array<std::uint8_t, 4> b{0x11, 0x22, 0x33, 0x44};
  EXPECT_FALSE(bus.read(0xff, std::span(b).first(1)));   // below
  EXPECT_FALSE(bus.read(0x110, std::span(b).first(1)));  // just past the end
  EXPECT_FALSE(bus.read(0x10e, b));                      // straddles the end
  EXPECT_FALSE(bus.write(0xfe, b));                      // straddles the start
  EXPECT_FALSE(bus.read(0x100, std::span(b).first(0)));  // empty
  EXPECT_EQ(b, (std::array<std::uint8_t, 4>{0x11, 0x22, 0x33, 0x44}));
  EXPECT_TRUE(dev->accesses.empty());

  Bus empty;
  EXPECT_FALSE(empty.write(0, b));
}

TEST(BusTest, RemoveStopsDispatchAndFreesTheRange) {
  Bus bus;
  auto dev = std::make_shared<RecordingDevice>();
  bus.add(0x500, 4, dev, "dev");
  EXPECT_FALSE(bus.remove(0x501));  // only the exact base names a range
  EXPECT_TRUE(bus.remove(0x500));
  EXPECT_FALSE(bus.remove(0x500));

  std::array<std::uint8_t, 1> b{};
  EXPECT_FALSE(bus.read(0x500, b));
  EXPECT_TRUE(dev->accesses.empty());
  // The space can be reused.
  bus.add(0x4ff, 2, dev, "again");
  EXPECT_TRUE(bus.read(0x500, b));
  ASSERT_EQ(dev->accesses.size(), 1u);
  EXPECT_EQ(dev->accesses[0].offset, 1u);
}

TEST(BusTest, ListsRangesInBaseOrder) {
  Bus bus;
  bus.add(0x3f8, 8, std::make_shared<RecordingDevice>(), "com1");
  bus.add(0x60, 5, std::make_shared<RecordingDevice>(), "i8042");
  bus.add(0x501, 4, std::make_shared<RecordingDevice>(), "debug-exit");

  const auto ranges = bus.ranges();
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[0].name, "i8042");
  EXPECT_EQ(ranges[0].base, 0x60u);
  EXPECT_EQ(ranges[0].size, 5u);
  EXPECT_EQ(ranges[1].name, "com1");
  EXPECT_EQ(ranges[2].name, "debug-exit");
  EXPECT_EQ(ranges[2].base, 0x501u);
  EXPECT_EQ(ranges[2].size, 4u);
}

// A device that re-registers itself from inside an access (as a PCI BAR move would) must
// not deadlock the bus.
class RelocatingDevice : public BusDevice {
 public:
  explicit RelocatingDevice(Bus& bus) : bus_(bus) {}
  void read(std::uint64_t, std::span<std::uint8_t> data) override {
    std::fill(data.begin(), data.end(), 0);
  }
  void write(std::uint64_t, std::span<const std::uint8_t> data) override {
    bus_.remove(0x100);
    bus_.add(0x100ull * data[0], 0x10, self, "moved");
  }
  std::shared_ptr<BusDevice> self;

 private:
  Bus& bus_;
};

TEST(BusTest, DeviceMayChangeTheBusDuringAnAccess) {
  Bus bus;
  auto dev = std::make_shared<RelocatingDevice>(bus);
  dev->self = dev;
  bus.add(0x100, 0x10, dev, "movable");
  const std::array<std::uint8_t, 1> to{0x20};
  ASSERT_TRUE(bus.write(0x100, to));
  const auto ranges = bus.ranges();
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges[0].base, 0x2000u);
  EXPECT_EQ(ranges[0].name, "moved");
  dev->self.reset();  // break the cycle
}

}  // namespace
}  // namespace vmm
