// Serial8250: a 16550A-compatible UART, enough for Linux's 8250 driver and for polling
// guests (wait for LSR.THRE, write THR).
//
// Model:
// - Transmission is instantaneous: a THR write reaches the output sink at once, so LSR
//   always reports THRE and TEMT, and the THR-empty interrupt re-arms right after every
//   THR write (the driver disables ETBEI when it has nothing left to send).
// - Receiving: host input goes into a bounded FIFO. It is deeper than the 16550A's 16
//   bytes (the host side cannot be flow-controlled) but the guest cannot tell: it reads
//   while LSR.DR is set. When full, further bytes are dropped, counted, and reported to
//   the guest as an overrun (LSR.OE), as the hardware does.
//   With FIFOs enabled, IIR reports "data available" once the FIFO holds at least the FCR
//   trigger level and "character timeout" below it (the timeout has always expired by the
//   time the guest looks: input arrives in whole chunks).
// - Interrupt line: level = (some enabled condition pending, by IIR priority) AND MCR.OUT2
//   AND NOT MCR.LOOP. On PCs the UART's interrupt pin reaches the PIC through a gate
//   driven by OUT2, which is why Linux sets OUT2 when it opens the port; in loopback mode
//   the OUT pins are disconnected internally, so nothing reaches the line. IIR still shows
//   what is pending either way. The line is only driven on a change of level.
// - Loopback (MCR.LOOP): THR bytes come back into the receive FIFO instead of the sink,
//   host input is discarded (counted as dropped), and the modem inputs follow MCR outputs
//   (CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2), with the change flags raised accordingly.
//   Outside loopback the modem inputs read CTS, DSR and DCD asserted, never changing.
// - Accesses wider than one byte are ignored (reads answer 0xff), logged at debug level.
//
// Thread safety: all entry points take one internal mutex, so vCPU threads and a stdin
// thread may call concurrently. The output sink and IrqLine::set_level are called with
// that mutex held (this keeps line levels in order); they must not call back into this
// device.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>

#include "devices/bus_device.h"
#include "devices/irq_line.h"

namespace vmm {

// The standard PC wiring of the first serial port.
inline constexpr std::uint64_t kCom1Base = 0x3f8;
inline constexpr unsigned kCom1Irq = 4;
inline constexpr std::uint64_t kSerial8250Size = 8;  // port range to register

class Serial8250 : public BusDevice {
 public:
  using OutputSink = std::function<void(std::span<const std::uint8_t>)>;

  static constexpr std::size_t kDefaultRxCapacity = 1024;

  // `irq` may be null (a port with no interrupt wired; guests must poll). `output` receives
  // every transmitted byte; it may be empty (output discarded). Throws
  // std::invalid_argument if rx_capacity is 0.
  Serial8250(std::shared_ptr<IrqLine> irq, OutputSink output,
             std::size_t rx_capacity = kDefaultRxCapacity);

  void read(std::uint64_t offset, std::span<std::uint8_t> data) override;
  void write(std::uint64_t offset, std::span<const std::uint8_t> data) override;

  // Host input (from a stdin thread). Returns how many bytes were queued; the rest were
  // dropped (FIFO full, or loopback mode) and added to dropped_input().
  std::size_t enqueue_input(std::span<const std::uint8_t> bytes);

  // Received bytes lost so far: host input dropped plus loopback bytes that overran.
  std::uint64_t dropped_input() const;

 private:
  std::uint8_t read_register(std::uint64_t offset);
  void write_register(std::uint64_t offset, std::uint8_t value);
  void write_ier(std::uint8_t value);
  void write_fcr(std::uint8_t value);
  void write_mcr(std::uint8_t value);
  void transmit(std::uint8_t byte);
  void receive(std::uint8_t byte);

  std::uint8_t pending_interrupt() const;  // IIR bits 0-3
  std::uint8_t modem_inputs() const;       // MSR bits 4-7
  std::size_t rx_trigger_level() const;
  bool fifo_enabled() const;
  void update_irq();

  const std::shared_ptr<IrqLine> irq_;
  const OutputSink output_;
  const std::size_t rx_capacity_;

  mutable std::mutex mutex_;
  std::deque<std::uint8_t> rx_fifo_;
  std::uint64_t dropped_input_ = 0;
  std::uint8_t ier_ = 0;
  std::uint8_t fcr_ = 0;  // enable and trigger bits as last written
  std::uint8_t lcr_ = 0;
  std::uint8_t mcr_ = 0;
  std::uint8_t lsr_errors_ = 0;  // sticky error bits, cleared by reading LSR
  std::uint8_t msr_deltas_ = 0;  // change flags, cleared by reading MSR
  std::uint8_t scr_ = 0;
  std::uint8_t dll_ = 0x01;  // divisor 1 = 115200 baud, what firmware usually leaves
  std::uint8_t dlm_ = 0x00;
  bool thre_pending_ = false;  // THR-empty interrupt armed and not yet acknowledged
  bool irq_level_ = false;     // last level driven on irq_
};

}  // namespace vmm
