#include "devices/serial_8250.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include <spdlog/spdlog.h>

#include "base/guest_log.h"
#include "devices/serial_8250_registers.h"

namespace vmm {

using namespace uart;

Serial8250::Serial8250(std::shared_ptr<IrqLine> irq, OutputSink output,
                       std::size_t rx_capacity)
    : irq_(std::move(irq)), output_(std::move(output)), rx_capacity_(rx_capacity) {
  if (rx_capacity_ == 0) {
    throw std::invalid_argument("serial 8250: receive FIFO capacity must be at least 1");
  }
}

void Serial8250::read(std::uint64_t offset, std::span<std::uint8_t> data) {
  if (data.size() != 1 || offset >= kRegisterCount) {
    VMM_GUEST_LOG(spdlog::level::debug, "serial 8250: ignored {}-byte read at offset {}", data.size(), offset);
    std::fill(data.begin(), data.end(), 0xff);
    return;
  }
  std::lock_guard lock(mutex_);
  data[0] = read_register(offset);
}

void Serial8250::write(std::uint64_t offset, std::span<const std::uint8_t> data) {
  if (data.size() != 1 || offset >= kRegisterCount) {
    VMM_GUEST_LOG(spdlog::level::debug, "serial 8250: ignored {}-byte write at offset {}", data.size(), offset);
    return;
  }
  std::lock_guard lock(mutex_);
  write_register(offset, data[0]);
}

std::size_t Serial8250::enqueue_input(std::span<const std::uint8_t> bytes) {
  std::lock_guard lock(mutex_);
  std::size_t queued = 0;
  if (mcr_ & kMcrLoop) {
    // The receiver is fed from the transmitter in loopback; the serial input pin is cut off.
    dropped_input_ += bytes.size();
  } else {
    for (std::uint8_t byte : bytes) {
      const std::size_t before = rx_fifo_.size();
      receive(byte);
      queued += rx_fifo_.size() - before;
    }
  }
  update_irq();
  return queued;
}

std::uint64_t Serial8250::dropped_input() const {
  std::lock_guard lock(mutex_);
  return dropped_input_;
}

std::uint8_t Serial8250::read_register(std::uint64_t offset) {
  const bool dlab = lcr_ & kLcrDlab;
  switch (offset) {
    case kRbrThr: {
      if (dlab) return dll_;
      std::uint8_t byte = 0;
      if (!rx_fifo_.empty()) {
        byte = rx_fifo_.front();
        rx_fifo_.pop_front();
        update_irq();
      }
      return byte;
    }
    case kIer:
      return dlab ? dlm_ : ier_;
    case kIirFcr: {
      const std::uint8_t id = pending_interrupt();
      // Reading IIR is how a driver acknowledges THRE, but only when THRE is what it saw.
      if (id == kIirThre) {
        thre_pending_ = false;
        update_irq();
      }
      return id | (fifo_enabled() ? kIirFifoEnabled : 0);
    }
    case kLcr:
      return lcr_;
    case kMcr:
      return mcr_;
    case kLsr: {
      std::uint8_t lsr = lsr_errors_ | kLsrThrEmpty | kLsrTxEmpty;
      if (!rx_fifo_.empty()) lsr |= kLsrDataReady;
      lsr_errors_ = 0;
      update_irq();
      return lsr;
    }
    case kMsr: {
      const std::uint8_t msr = modem_inputs() | msr_deltas_;
      msr_deltas_ = 0;
      update_irq();
      return msr;
    }
    case kScr:
      return scr_;
  }
  return 0xff;  // unreachable: offset < kRegisterCount
}

void Serial8250::write_register(std::uint64_t offset, std::uint8_t value) {
  const bool dlab = lcr_ & kLcrDlab;
  switch (offset) {
    case kRbrThr:
      if (dlab) {
        dll_ = value;
      } else {
        transmit(value);
      }
      break;
    case kIer:
      if (dlab) {
        dlm_ = value;
      } else {
        write_ier(value);
      }
      break;
    case kIirFcr:
      write_fcr(value);
      break;
    case kLcr:
      lcr_ = value;
      break;
    case kMcr:
      write_mcr(value);
      break;
    case kLsr:
    case kMsr:
      // Read-only status (writes are a factory-test feature on real parts).
      VMM_GUEST_LOG(spdlog::level::debug, "serial 8250: ignored write {:#x} to status register {}", value, offset);
      break;
    case kScr:
      scr_ = value;
      break;
  }
}

void Serial8250::write_ier(std::uint8_t value) {
  const std::uint8_t old = ier_;
  ier_ = value & kIerMask;
  // Enabling ETBEI while THR is empty (always, here) raises THRE at once. Linux's startup
  // test checks exactly this by toggling ETBEI and reading IIR; a part that fails it is
  // driven with a polling timer instead.
  if (!(old & kIerThre) && (ier_ & kIerThre)) thre_pending_ = true;
  update_irq();
}

void Serial8250::write_fcr(std::uint8_t value) {
  const bool was_enabled = fifo_enabled();
  const bool enable = value & kFcrEnable;
  // Switching between FIFO and 16450 mode empties the FIFOs.
  if (was_enabled != enable) rx_fifo_.clear();
  if (enable) {
    if (value & kFcrClearRx) rx_fifo_.clear();
    // kFcrClearTx has nothing to clear: transmission is instantaneous.
    fcr_ = value & (kFcrEnable | kFcrTriggerMask);
  } else {
    fcr_ = 0;  // the other bits are not programmed unless FCR0 is written as 1
  }
  update_irq();
}

void Serial8250::write_mcr(std::uint8_t value) {
  const std::uint8_t before = modem_inputs();
  mcr_ = value & kMcrMask;
  const std::uint8_t after = modem_inputs();
  const std::uint8_t changed = before ^ after;
  if (changed & kMsrCts) msr_deltas_ |= kMsrDeltaCts;
  if (changed & kMsrDsr) msr_deltas_ |= kMsrDeltaDsr;
  if (changed & kMsrDcd) msr_deltas_ |= kMsrDeltaDcd;
  if ((before & kMsrRi) && !(after & kMsrRi)) msr_deltas_ |= kMsrTrailingRi;
  update_irq();
}

void Serial8250::transmit(std::uint8_t byte) {
  // THR fills (acknowledging THRE) and empties again at once; the net effect is a fresh
  // THRE condition after every byte.
  if (mcr_ & kMcrLoop) {
    receive(byte);
  } else if (output_) {
    output_(std::span<const std::uint8_t>(&byte, 1));
  }
  thre_pending_ = true;
  update_irq();
}

void Serial8250::receive(std::uint8_t byte) {
  if (rx_fifo_.size() >= rx_capacity_) {
    lsr_errors_ |= kLsrOverrun;
    ++dropped_input_;
    return;
  }
  rx_fifo_.push_back(byte);
}

std::uint8_t Serial8250::pending_interrupt() const {
  if ((ier_ & kIerRls) && (lsr_errors_ & kLsrErrorBits)) return kIirRls;
  if ((ier_ & kIerRda) && !rx_fifo_.empty()) {
    if (fifo_enabled() && rx_fifo_.size() < rx_trigger_level()) return kIirTimeout;
    return kIirRda;
  }
  if ((ier_ & kIerThre) && thre_pending_) return kIirThre;
  if ((ier_ & kIerMsi) && (msr_deltas_ & kMsrDeltaMask)) return kIirMsi;
  return kIirNoInterrupt;
}

std::uint8_t Serial8250::modem_inputs() const {
  if (!(mcr_ & kMcrLoop)) return kMsrCts | kMsrDsr | kMsrDcd;  // a peer that is always there
  std::uint8_t inputs = 0;
  if (mcr_ & kMcrRts) inputs |= kMsrCts;
  if (mcr_ & kMcrDtr) inputs |= kMsrDsr;
  if (mcr_ & kMcrOut1) inputs |= kMsrRi;
  if (mcr_ & kMcrOut2) inputs |= kMsrDcd;
  return inputs;
}

std::size_t Serial8250::rx_trigger_level() const {
  static constexpr std::size_t kLevels[4] = {1, 4, 8, 14};
  return kLevels[(fcr_ & kFcrTriggerMask) >> 6];
}

bool Serial8250::fifo_enabled() const { return fcr_ & kFcrEnable; }

void Serial8250::update_irq() {
  const bool gate_open = (mcr_ & kMcrOut2) && !(mcr_ & kMcrLoop);
  const bool level = gate_open && pending_interrupt() != kIirNoInterrupt;
  if (level == irq_level_) return;
  irq_level_ = level;
  if (irq_) irq_->set_level(level);
}

}  // namespace vmm
