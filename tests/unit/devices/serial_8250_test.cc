#include "devices/serial_8250.h"

#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "devices/serial_8250_registers.h"
#include "tests/unit/devices/fake_irq_line.h"

namespace vmm {
namespace {

using namespace uart;

class Serial8250Test : public ::testing::Test {
 protected:
  void make(std::size_t capacity) {
    dev = std::make_unique<Serial8250>(
        irq, [this](std::span<const std::uint8_t> b) { output.append(b.begin(), b.end()); },
        capacity);
  }
  void SetUp() override { make(Serial8250::kDefaultRxCapacity); }

  std::uint8_t in(std::uint64_t offset) {
    std::array<std::uint8_t, 1> b{0x5a};
    dev->read(offset, b);
    return b[0];
  }
  void out(std::uint64_t offset, std::uint8_t value) {
    const std::array<std::uint8_t, 1> b{value};
    dev->write(offset, b);
  }
  std::size_t feed(std::string_view s) {
    return dev->enqueue_input(
        std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  }

  std::shared_ptr<testing::FakeIrqLine> irq = std::make_shared<testing::FakeIrqLine>();
  std::string output;
  std::unique_ptr<Serial8250> dev;
};

TEST_F(Serial8250Test, Com1Constants) {
  EXPECT_EQ(kCom1Base, 0x3f8u);
  EXPECT_EQ(kCom1Irq, 4u);
  EXPECT_EQ(kSerial8250Size, 8u);
}

TEST_F(Serial8250Test, ResetState) {
  EXPECT_EQ(in(kIer), 0);
  EXPECT_EQ(in(kIirFcr), kIirNoInterrupt);
  EXPECT_EQ(in(kLcr), 0);
  EXPECT_EQ(in(kMcr), 0);
  EXPECT_EQ(in(kLsr), kLsrThrEmpty | kLsrTxEmpty);
  EXPECT_EQ(in(kMsr), kMsrCts | kMsrDsr | kMsrDcd);
  EXPECT_EQ(in(kScr), 0);
  EXPECT_TRUE(irq->levels.empty());
}

TEST_F(Serial8250Test, TransmitGoesToSinkAndThrStaysEmpty) {
  for (char c : std::string_view("hi\n")) out(kRbrThr, static_cast<std::uint8_t>(c));
  EXPECT_EQ(output, "hi\n");
  EXPECT_EQ(in(kLsr) & (kLsrThrEmpty | kLsrTxEmpty), kLsrThrEmpty | kLsrTxEmpty);
}

TEST_F(Serial8250Test, ScratchAndLineControlHoldValues) {
  out(kScr, 0xa5);
  out(kLcr, 0x1b);  // 8 data bits, 2 stop bits, even parity: stored, not interpreted
  EXPECT_EQ(in(kScr), 0xa5);
  EXPECT_EQ(in(kLcr), 0x1b);
}

TEST_F(Serial8250Test, IerKeepsOnlyTheLowFourBits) {
  out(kIer, 0xff);
  EXPECT_EQ(in(kIer), 0x0f);
  out(kIer, 0x40);  // XScale UUE bit: a 16550A must not keep it (Linux probes this)
  EXPECT_EQ(in(kIer), 0);
}

TEST_F(Serial8250Test, DlabSwitchesOffsetsZeroAndOneToTheDivisorLatch) {
  out(kIer, kIerRda);
  out(kLcr, kLcrDlab | 0x03);
  out(kDll, 0x0c);
  out(kDlm, 0x01);
  EXPECT_EQ(output, "");  // a DLL write is not transmitted
  EXPECT_EQ(in(kDll), 0x0c);
  EXPECT_EQ(in(kDlm), 0x01);

  out(kLcr, 0x03);
  EXPECT_EQ(in(kIer), kIerRda);  // IER was not touched by the DLM write
  out(kRbrThr, 'x');
  EXPECT_EQ(output, "x");

  feed("y");
  out(kLcr, kLcrDlab);
  EXPECT_EQ(in(kRbrThr), 0x0c);  // DLL, not the received byte
  EXPECT_EQ(in(kLsr) & kLsrDataReady, kLsrDataReady);  // still waiting
  out(kLcr, 0);
  EXPECT_EQ(in(kRbrThr), 'y');
}

TEST_F(Serial8250Test, ReceivedBytesComeOutInOrderWithDataReady) {
  EXPECT_EQ(feed("ab"), 2u);
  EXPECT_EQ(in(kLsr) & kLsrDataReady, kLsrDataReady);
  EXPECT_EQ(in(kRbrThr), 'a');
  EXPECT_EQ(in(kLsr) & kLsrDataReady, kLsrDataReady);
  EXPECT_EQ(in(kRbrThr), 'b');
  EXPECT_EQ(in(kLsr) & kLsrDataReady, 0);
  EXPECT_EQ(in(kRbrThr), 0);  // empty
}

TEST_F(Serial8250Test, IirShowsFifoBitsOnlyWhileFifosAreEnabled) {
  out(kIirFcr, kFcrEnable);
  EXPECT_EQ(in(kIirFcr), kIirFifoEnabled | kIirNoInterrupt);
  // Linux tells a 16550A from a 16750 by IIR bit 5 staying clear.
  out(kIirFcr, kFcrEnable | 0x20);
  EXPECT_EQ(in(kIirFcr) >> 5, 6);
  out(kIirFcr, 0);
  EXPECT_EQ(in(kIirFcr), kIirNoInterrupt);
}

TEST_F(Serial8250Test, FcrClearsReceiveFifo) {
  out(kIirFcr, kFcrEnable);
  feed("abc");
  out(kIirFcr, kFcrEnable | kFcrClearRx);
  EXPECT_EQ(in(kLsr) & kLsrDataReady, 0);
  feed("d");
  out(kIirFcr, kFcrClearRx);  // without FCR0 this turns FIFOs off, which also clears
  EXPECT_EQ(in(kLsr) & kLsrDataReady, 0);
  EXPECT_EQ(in(kIirFcr) & kIirFifoEnabled, 0);
}

TEST_F(Serial8250Test, RxInterruptReportsTimeoutBelowTriggerLevel) {
  out(kIer, kIerRda);
  out(kIirFcr, kFcrEnable | 0xc0);  // trigger at 14 bytes
  feed("0123456789abc");            // 13
  EXPECT_EQ(in(kIirFcr), kIirFifoEnabled | kIirTimeout);
  feed("d");  // 14
  EXPECT_EQ(in(kIirFcr), kIirFifoEnabled | kIirRda);
  out(kIirFcr, 0);  // 16450 mode: any byte is "data available"
  feed("e");
  EXPECT_EQ(in(kIirFcr), kIirRda);
}

TEST_F(Serial8250Test, RxInterruptReachesTheLineOnlyWithOut2) {
  out(kIer, kIerRda);
  feed("k");
  EXPECT_EQ(in(kIirFcr), kIirRda);  // pending...
  EXPECT_FALSE(irq->level());       // ...but gated: OUT2 is clear
  EXPECT_TRUE(irq->levels.empty());

  out(kMcr, kMcrOut2);
  EXPECT_TRUE(irq->level());
  out(kMcr, kMcrDtr | kMcrRts);  // OUT2 off closes the gate again
  EXPECT_FALSE(irq->level());
  out(kMcr, kMcrOut2 | kMcrDtr | kMcrRts);
  EXPECT_TRUE(irq->level());

  EXPECT_EQ(in(kRbrThr), 'k');  // draining the FIFO drops the level
  EXPECT_FALSE(irq->level());
  EXPECT_EQ(in(kIirFcr), kIirNoInterrupt);
  EXPECT_EQ(irq->levels, (std::vector<bool>{true, false, true, false}));

  out(kIer, 0);
  feed("z");  // disabled in IER: nothing
  EXPECT_FALSE(irq->level());
  out(kIer, kIerRda);  // enabling with data waiting raises it
  EXPECT_TRUE(irq->level());
}

TEST_F(Serial8250Test, ThreInterruptCycle) {
  out(kMcr, kMcrOut2);
  out(kIer, kIerThre);  // enabling ETBEI with THR empty raises THRE
  EXPECT_TRUE(irq->level());
  EXPECT_EQ(in(kIirFcr), kIirThre);  // reading IIR acknowledges it...
  EXPECT_FALSE(irq->level());
  EXPECT_EQ(in(kIirFcr), kIirNoInterrupt);  // ...once

  out(kRbrThr, 'a');  // THR fills and empties: THRE again
  EXPECT_TRUE(irq->level());
  EXPECT_EQ(output, "a");

  out(kIer, 0);  // disabling masks it
  EXPECT_FALSE(irq->level());
  out(kIer, kIerThre);  // and re-enabling re-arms it
  EXPECT_TRUE(irq->level());
  out(kIer, kIerThre);  // writing the same value again does not re-arm after an ack
  EXPECT_EQ(in(kIirFcr), kIirThre);
  out(kIer, kIerThre);
  EXPECT_EQ(in(kIirFcr), kIirNoInterrupt);
  EXPECT_FALSE(irq->level());
}

TEST_F(Serial8250Test, ReadingIirDoesNotAcknowledgeAHiddenThre) {
  out(kMcr, kMcrOut2);
  out(kIer, kIerThre | kIerRda);
  feed("q");
  EXPECT_EQ(in(kIirFcr), kIirRda);  // RDA outranks THRE, which stays pending
  EXPECT_EQ(in(kRbrThr), 'q');
  EXPECT_TRUE(irq->level());
  EXPECT_EQ(in(kIirFcr), kIirThre);
  EXPECT_FALSE(irq->level());
}

TEST_F(Serial8250Test, LinuxThreTestSeesAWorkingUart) {
  // serial8250_do_startup(): a UART that does not re-assert THRE gets UART_BUG_THRE.
  out(kIer, kIerThre);
  const std::uint8_t iir1 = in(kIirFcr);
  out(kIer, 0);
  out(kIer, kIerThre);
  const std::uint8_t iir = in(kIirFcr);
  out(kIer, 0);
  EXPECT_EQ(iir1 & kIirNoInterrupt, 0);
  EXPECT_EQ(iir & kIirNoInterrupt, 0);
}

TEST_F(Serial8250Test, IirPriorityOrder) {
  out(kMcr, kMcrLoop);  // loopback lets the test cause a modem-status change
  out(kMcr, kMcrLoop | kMcrRts);  // CTS follows RTS: DCTS
  out(kIer, kIerRda | kIerThre | kIerRls | kIerMsi);
  for (int i = 0; i < 2000; ++i) out(kRbrThr, 'o');  // loop back more than the FIFO holds

  EXPECT_EQ(in(kIirFcr), kIirRls);
  EXPECT_EQ(in(kLsr) & kLsrOverrun, kLsrOverrun);  // reading LSR clears the error
  EXPECT_EQ(in(kLsr) & kLsrOverrun, 0);
  EXPECT_EQ(in(kIirFcr), kIirRda);
  while (in(kLsr) & kLsrDataReady) in(kRbrThr);
  EXPECT_EQ(in(kIirFcr), kIirThre);  // acknowledged by this read
  EXPECT_EQ(in(kIirFcr), kIirMsi);
  EXPECT_EQ(in(kMsr) & kMsrDeltaCts, kMsrDeltaCts);  // reading MSR clears the deltas
  EXPECT_EQ(in(kIirFcr), kIirNoInterrupt);
  EXPECT_EQ(dev->dropped_input(), 2000 - Serial8250::kDefaultRxCapacity);
}

TEST_F(Serial8250Test, LoopbackEchoesTransmitIntoReceive) {
  out(kMcr, kMcrLoop | kMcrOut2 | kMcrRts);
  // Linux's autoconfig checks this exact pattern: MCR = LOOP | 0x0a gives MSR high = 0x90.
  EXPECT_EQ(in(kMsr) & 0xf0, 0x90);

  out(kIer, kIerRda);
  out(kRbrThr, 'L');
  EXPECT_EQ(output, "");  // nothing leaves the chip
  EXPECT_EQ(in(kIirFcr), kIirRda);
  EXPECT_FALSE(irq->level());  // OUT2 is looped back internally, not to the PIC
  EXPECT_EQ(in(kRbrThr), 'L');

  EXPECT_EQ(feed("host"), 0u);  // the serial input is cut off in loopback
  EXPECT_EQ(dev->dropped_input(), 4u);
  EXPECT_EQ(in(kLsr) & kLsrDataReady, 0);

  out(kMcr, kMcrOut2);  // leave loopback: interrupts flow, output goes out again
  out(kRbrThr, 'x');
  EXPECT_EQ(output, "x");
  EXPECT_EQ(feed("h"), 1u);
  EXPECT_TRUE(irq->level());
}

TEST_F(Serial8250Test, LoopbackModemLinesFollowMcrAndRaiseDeltas) {
  out(kMcr, kMcrLoop);
  // Entering loopback drops CTS, DSR, DCD (they were the outside peer's).
  EXPECT_EQ(in(kMsr), kMsrDeltaCts | kMsrDeltaDsr | kMsrDeltaDcd);
  EXPECT_EQ(in(kMsr), 0);  // deltas cleared by the read

  out(kMcr, kMcrLoop | kMcrDtr | kMcrRts | kMcrOut1 | kMcrOut2);
  EXPECT_EQ(in(kMsr), kMsrCts | kMsrDsr | kMsrRi | kMsrDcd | kMsrDeltaCts | kMsrDeltaDsr |
                          kMsrDeltaDcd);  // RI rising is not a delta
  out(kMcr, kMcrLoop | kMcrDtr | kMcrRts | kMcrOut2);
  EXPECT_EQ(in(kMsr), kMsrCts | kMsrDsr | kMsrDcd | kMsrTrailingRi);  // RI falling is
}

TEST_F(Serial8250Test, InputOverflowDropsCountsAndReportsOverrun) {
  make(4);
  out(kMcr, kMcrOut2);
  out(kIer, kIerRls);
  EXPECT_EQ(feed("abcdef"), 4u);
  EXPECT_EQ(dev->dropped_input(), 2u);
  EXPECT_TRUE(irq->level());
  EXPECT_EQ(in(kIirFcr), kIirRls);
  EXPECT_EQ(in(kLsr), kLsrDataReady | kLsrOverrun | kLsrThrEmpty | kLsrTxEmpty);
  EXPECT_FALSE(irq->level());  // the LSR read cleared the error
  std::string got;
  while (in(kLsr) & kLsrDataReady) got += static_cast<char>(in(kRbrThr));
  EXPECT_EQ(got, "abcd");  // the oldest bytes are kept, as a FIFO does
  EXPECT_EQ(feed("g"), 1u);
  EXPECT_EQ(dev->dropped_input(), 2u);
}

TEST_F(Serial8250Test, ZeroCapacityIsRejected) {
  EXPECT_THROW(Serial8250(irq, nullptr, 0), std::invalid_argument);
}

TEST_F(Serial8250Test, WideAccessesAreIgnored) {
  std::array<std::uint8_t, 2> w{};
  dev->read(kRbrThr, w);
  EXPECT_EQ(w, (std::array<std::uint8_t, 2>{0xff, 0xff}));
  const std::array<std::uint8_t, 2> v{'a', 'b'};
  dev->write(kRbrThr, v);
  EXPECT_EQ(output, "");
  const std::array<std::uint8_t, 1> b{1};
  dev->write(kRegisterCount, b);  // outside the register file: ignored, no crash
}

TEST_F(Serial8250Test, WorksWithoutIrqOrSink) {
  Serial8250 bare(nullptr, nullptr);
  const std::array<std::uint8_t, 1> b{kMcrOut2};
  bare.write(kMcr, b);
  const std::array<std::uint8_t, 1> e{kIerThre};
  bare.write(kIer, e);
  const std::array<std::uint8_t, 1> c{'c'};
  bare.write(kRbrThr, c);
  std::array<std::uint8_t, 1> iir{};
  bare.read(kIirFcr, iir);
  EXPECT_EQ(iir[0], kIirThre);
}

TEST_F(Serial8250Test, ConcurrentInputAndGuestReadsKeepOrder) {
  constexpr int kBytes = 20000;
  make(64);
  std::thread producer([this] {
    for (int i = 0; i < kBytes;) {
      const std::uint8_t b = static_cast<std::uint8_t>(i);
      if (dev->enqueue_input(std::span(&b, 1)) == 1) {
        ++i;
      } else {
        std::this_thread::yield();  // full: retry the same byte
      }
    }
  });
  std::vector<std::uint8_t> got;
  while (got.size() < kBytes) {
    if (in(kLsr) & kLsrDataReady) got.push_back(in(kRbrThr));
  }
  producer.join();
  for (int i = 0; i < kBytes; ++i) ASSERT_EQ(got[i], static_cast<std::uint8_t>(i)) << i;
}

}  // namespace
}  // namespace vmm
