// Typed vCPU exits: decode_exit on made-up kvm_run pages, and dispatch_exit for every exit
// kind — port reads and writes of each size (and `rep` ones), MMIO both ways, claimed and
// unclaimed, HLT, SHUTDOWN, FAIL_ENTRY, INTERNAL_ERROR, SYSTEM_EVENT and an unknown exit.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "vmm/kvm/kvm_uapi.h"
#include "vmm/kvm/vcpu_exit.h"
#include "vmm/run/exit_dispatch.h"
#include "vmm/run/exit_status.h"

namespace vmm {
namespace {

// A device that records accesses and answers reads with its offset's low byte + i.
class Recorder : public BusDevice {
 public:
  struct Access {
    bool write;
    std::uint64_t offset;
    std::vector<std::uint8_t> bytes;
  };
  void read(std::uint64_t offset, std::span<std::uint8_t> data) override {
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(offset + i);
    log.push_back({false, offset, {data.begin(), data.end()}});
  }
  void write(std::uint64_t offset, std::span<const std::uint8_t> data) override {
    log.push_back({true, offset, {data.begin(), data.end()}});
  }
  std::vector<Access> log;
};

// A kvm_run page as KVM maps it: the struct at the start, I/O data further in.
class FakeRun {
 public:
  static constexpr std::size_t kSize = 4096;
  FakeRun() : page_(new (std::align_val_t{64}) std::uint8_t[kSize]()) {}
  ~FakeRun() { ::operator delete[](page_, std::align_val_t{64}); }
  kvm_run& run() { return *reinterpret_cast<kvm_run*>(page_); }
  std::uint8_t* at(std::size_t offset) { return page_ + offset; }

 private:
  std::uint8_t* page_;
};

struct Machine {
  Bus io, mmio;
  std::shared_ptr<Recorder> port = std::make_shared<Recorder>();
  std::shared_ptr<Recorder> regs = std::make_shared<Recorder>();
  Machine() {
    io.add(0x3f8, 8, port, "uart");
    mmio.add(0xc0000000, 0x1000, regs, "bar0");
  }
  std::optional<ExitStop> dispatch(const VcpuExit& e) { return dispatch_exit(e, {io, mmio}, 0); }
};

constexpr std::size_t kIoDataOffset = 0x1000 - 64;

VcpuExit io_exit(FakeRun& page, std::uint8_t direction, std::uint16_t port, std::uint8_t size,
                 std::uint32_t count) {
  kvm_run& run = page.run();
  run.exit_reason = KVM_EXIT_IO;
  run.io.direction = direction;
  run.io.port = port;
  run.io.size = size;
  run.io.count = count;
  run.io.data_offset = kIoDataOffset;
  return decode_exit(run, FakeRun::kSize);
}

TEST(VcpuExit, PortWritesOfEachSizeReachTheDevice) {
  for (std::uint8_t size : {1, 2, 4}) {
    FakeRun page;
    Machine m;
    std::memcpy(page.at(kIoDataOffset), "\x11\x22\x33\x44", size);
    const VcpuExit e = io_exit(page, KVM_EXIT_IO_OUT, 0x3f9, size, 1);
    EXPECT_EQ(e.kind, VcpuExit::Kind::IoOut);
    EXPECT_EQ(e.address, 0x3f9u);
    EXPECT_EQ(e.data.size(), size);
    EXPECT_FALSE(m.dispatch(e));
    ASSERT_EQ(m.port->log.size(), 1u);
    EXPECT_TRUE(m.port->log[0].write);
    EXPECT_EQ(m.port->log[0].offset, 1u);
    const std::vector<std::uint8_t> written{0x11, 0x22, 0x33, 0x44};
    EXPECT_EQ(m.port->log[0].bytes, std::vector<std::uint8_t>(written.begin(), written.begin() + size));
  }
}

TEST(VcpuExit, PortReadsOfEachSizeFillKvmRun) {
  for (std::uint8_t size : {1, 2, 4}) {
    FakeRun page;
    Machine m;
    const VcpuExit e = io_exit(page, KVM_EXIT_IO_IN, 0x3fa, size, 1);
    EXPECT_EQ(e.kind, VcpuExit::Kind::IoIn);
    EXPECT_FALSE(m.dispatch(e));
    for (std::size_t i = 0; i < size; ++i) EXPECT_EQ(page.at(kIoDataOffset)[i], 2 + i) << "byte " << i;
  }
}

TEST(VcpuExit, RepOutsIsOneAccessPerElement) {
  FakeRun page;
  Machine m;
  std::memcpy(page.at(kIoDataOffset), "abc", 3);
  const VcpuExit e = io_exit(page, KVM_EXIT_IO_OUT, 0x3f8, 1, 3);
  EXPECT_EQ(e.count, 3u);
  EXPECT_FALSE(m.dispatch(e));
  ASSERT_EQ(m.port->log.size(), 3u);
  EXPECT_EQ(m.port->log[2].bytes, std::vector<std::uint8_t>{'c'});
}

TEST(VcpuExit, UnclaimedPortReadFloatsHigh) {
  FakeRun page;
  Machine m;
  EXPECT_FALSE(m.dispatch(io_exit(page, KVM_EXIT_IO_IN, 0x80, 2, 1)));
  EXPECT_EQ(page.at(kIoDataOffset)[0], 0xff);
  EXPECT_EQ(page.at(kIoDataOffset)[1], 0xff);
  EXPECT_FALSE(m.dispatch(io_exit(page, KVM_EXIT_IO_OUT, 0x80, 1, 1))) << "a lost write is no stop";
}

TEST(VcpuExit, IoDataOutsideKvmRunDecodesAsUnknown) {
  FakeRun page;
  kvm_run& run = page.run();
  run.exit_reason = KVM_EXIT_IO;
  run.io.size = 4;
  run.io.count = 2;
  run.io.data_offset = FakeRun::kSize - 4;  // 8 bytes from 4 before the end
  const VcpuExit e = decode_exit(run, FakeRun::kSize);
  EXPECT_EQ(e.kind, VcpuExit::Kind::Unknown);
  Machine m;
  auto stop = m.dispatch(e);
  ASSERT_TRUE(stop);
  EXPECT_TRUE(stop->failure);
}

TEST(VcpuExit, MmioWriteAndReadGoThroughTheBus) {
  FakeRun page;
  Machine m;
  kvm_run& run = page.run();
  run.exit_reason = KVM_EXIT_MMIO;
  run.mmio.phys_addr = 0xc0000010;
  run.mmio.len = 4;
  run.mmio.is_write = 1;
  std::memcpy(run.mmio.data, "\x01\x02\x03\x04", 4);
  VcpuExit e = decode_exit(run, FakeRun::kSize);
  EXPECT_EQ(e.kind, VcpuExit::Kind::MmioWrite);
  EXPECT_FALSE(m.dispatch(e));
  ASSERT_EQ(m.regs->log.size(), 1u);
  EXPECT_EQ(m.regs->log[0].offset, 0x10u);
  EXPECT_EQ(m.regs->log[0].bytes, (std::vector<std::uint8_t>{1, 2, 3, 4}));

  run.mmio.is_write = 0;
  run.mmio.len = 8;
  e = decode_exit(run, FakeRun::kSize);
  EXPECT_EQ(e.kind, VcpuExit::Kind::MmioRead);
  EXPECT_FALSE(m.dispatch(e));
  EXPECT_EQ(run.mmio.data[7], 0x17);

  run.mmio.phys_addr = 0xd0000000;  // nobody there
  EXPECT_FALSE(m.dispatch(decode_exit(run, FakeRun::kSize)));
  EXPECT_EQ(run.mmio.data[0], 0xff);
}

TEST(VcpuExit, MmioLengthIsClampedToKvmRunsBuffer) {
  FakeRun page;
  kvm_run& run = page.run();
  run.exit_reason = KVM_EXIT_MMIO;
  run.mmio.len = 200;
  EXPECT_EQ(decode_exit(run, FakeRun::kSize).data.size(), sizeof run.mmio.data);
}

std::optional<ExitStop> stop_for(void (*set)(kvm_run&)) {
  FakeRun page;
  set(page.run());
  Machine m;
  return m.dispatch(decode_exit(page.run(), FakeRun::kSize));
}

TEST(VcpuExit, HltStopsTheVmWithZero) {
  auto stop = stop_for([](kvm_run& r) { r.exit_reason = KVM_EXIT_HLT; });
  ASSERT_TRUE(stop);
  EXPECT_EQ(stop->exit_status, 0);
  EXPECT_FALSE(stop->failure);
  EXPECT_EQ(stop->what, "vCPU 0 executed HLT");
}

TEST(VcpuExit, ShutdownIsATripleFault) {
  auto stop = stop_for([](kvm_run& r) { r.exit_reason = KVM_EXIT_SHUTDOWN; });
  ASSERT_TRUE(stop);
  EXPECT_EQ(stop->exit_status, kExitVmFailed);
  EXPECT_TRUE(stop->failure);
  EXPECT_EQ(stop->what, "guest triple-faulted (KVM_EXIT_SHUTDOWN)");
}

TEST(VcpuExit, FailEntryCarriesTheHardwareReason) {
  auto stop = stop_for([](kvm_run& r) {
    r.exit_reason = KVM_EXIT_FAIL_ENTRY;
    r.fail_entry.hardware_entry_failure_reason = 0x80000021;
  });
  ASSERT_TRUE(stop);
  EXPECT_TRUE(stop->failure);
  EXPECT_NE(stop->what.find("hardware reason 0x80000021"), std::string::npos) << stop->what;
}

TEST(VcpuExit, InternalErrorListsItsDataAndExplainsEmulationFailures) {
  auto stop = stop_for([](kvm_run& r) {
    r.exit_reason = KVM_EXIT_INTERNAL_ERROR;
    r.internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
    r.internal.ndata = 40;  // more than the 16 words there are: clamped
    r.internal.data[0] = 0xabc;
    r.internal.data[15] = 0xdef;
  });
  ASSERT_TRUE(stop);
  EXPECT_TRUE(stop->failure);
  EXPECT_NE(stop->what.find("suberror 1 data[0]=0xabc"), std::string::npos) << stop->what;
  EXPECT_NE(stop->what.find("data[15]=0xdef:"), std::string::npos) << stop->what;
  EXPECT_EQ(stop->what.find("data[16]"), std::string::npos) << stop->what;
  EXPECT_NE(stop->what.find("could not emulate an instruction"), std::string::npos) << stop->what;
}

TEST(VcpuExit, SystemEventsEndTheVmAsAsked) {
  auto reset = stop_for([](kvm_run& r) {
    r.exit_reason = KVM_EXIT_SYSTEM_EVENT;
    r.system_event.type = KVM_SYSTEM_EVENT_RESET;
  });
  ASSERT_TRUE(reset);
  EXPECT_EQ(reset->exit_status, 0);
  EXPECT_EQ(reset->what, "guest requested reset (KVM_EXIT_SYSTEM_EVENT)");
  auto crash = stop_for([](kvm_run& r) {
    r.exit_reason = KVM_EXIT_SYSTEM_EVENT;
    r.system_event.type = KVM_SYSTEM_EVENT_CRASH;
  });
  ASSERT_TRUE(crash);
  EXPECT_EQ(crash->exit_status, kExitVmFailed);
}

TEST(VcpuExit, UnknownExitIsAFailureNamingItsNumber) {
  auto stop = stop_for([](kvm_run& r) { r.exit_reason = 0x7777; });
  ASSERT_TRUE(stop);
  EXPECT_TRUE(stop->failure);
  EXPECT_EQ(stop->what, "unhandled KVM exit reason 30583");
}

}  // namespace
}  // namespace vmm

#include "vmm/run/first_touch.h"

namespace vmm {
namespace {

// KVM's emulation-failure exit (prepare_emulation_failure_exit): data[0] flags, the
// instruction bytes in data[1..2] when flag 1 is set, then exit reason, info1, info2.
TEST(FirstTouchExit, TheFaultingAddressIsReadFromAnAmdNestedPageFault) {
  VcpuExit e;
  e.kind = VcpuExit::Kind::InternalError;
  e.code = VcpuExit::kInternalErrorEmulation;
  e.internal = {1, 0xc5fdc5fd, 0x90909090, 0x400, 0x10000000f, 0x100e00040, 0, 0};
  e.internal_count = 8;
  EXPECT_EQ(FirstTouch::faulting_gpa(e, KvmFlavour::HardwareSvm), 0x100e00040u);
  e.internal = {0, 0x400, 0x1, 0x100e00080, 0, 0};
  e.internal_count = 6;
  EXPECT_EQ(FirstTouch::faulting_gpa(e, KvmFlavour::HardwareSvm), 0x100e00080u) << "without instruction bytes";
  e.internal[1] = 0x7b;  // an I/O intercept, not a nested page fault
  EXPECT_FALSE(FirstTouch::faulting_gpa(e, KvmFlavour::HardwareSvm));
  e.internal[1] = 0x400;
  EXPECT_FALSE(FirstTouch::faulting_gpa(e, KvmFlavour::HardwareVmx)) << "VMX's exit carries no address";
  e.internal_count = 3;
  EXPECT_FALSE(FirstTouch::faulting_gpa(e, KvmFlavour::HardwareSvm)) << "too short to say";
}

}  // namespace
}  // namespace vmm
