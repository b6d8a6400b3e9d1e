// Register layout of the 8250/16550A UART (National PC16550D data sheet). Offsets are
// relative to the port base; the DLAB bit in LCR switches offsets 0 and 1 to the divisor
// latch.
#pragma once

#include <cstdint>

namespace vmm::uart {

// Offsets. Several registers share an offset and are told apart by direction or DLAB.
inline constexpr std::uint64_t kRbrThr = 0;  // read: receive buffer, write: transmit hold
inline constexpr std::uint64_t kIer = 1;     // interrupt enable
inline constexpr std::uint64_t kDll = 0;     // divisor latch low  (DLAB = 1)
inline constexpr std::uint64_t kDlm = 1;     // divisor latch high (DLAB = 1)
inline constexpr std::uint64_t kIirFcr = 2;  // read: interrupt identification, write: FIFO control
inline constexpr std::uint64_t kLcr = 3;     // line control
inline constexpr std::uint64_t kMcr = 4;     // modem control
inline constexpr std::uint64_t kLsr = 5;     // line status
inline constexpr std::uint64_t kMsr = 6;     // modem status
inline constexpr std::uint64_t kScr = 7;     // scratch
inline constexpr std::uint64_t kRegisterCount = 8;

// IER: which conditions may interrupt. A 16550A implements only the low four bits.
inline constexpr std::uint8_t kIerRda = 0x01;   // received data available (ERBFI)
inline constexpr std::uint8_t kIerThre = 0x02;  // transmit holding register empty (ETBEI)
inline constexpr std::uint8_t kIerRls = 0x04;   // receiver line status (ELSI)
inline constexpr std::uint8_t kIerMsi = 0x08;   // modem status (EDSSI)
inline constexpr std::uint8_t kIerMask = 0x0f;

// IIR: bit 0 is 1 when nothing is pending; bits 1-3 name the highest-priority source;
// bits 6-7 read 11 while the FIFOs are enabled (how drivers tell a 16550A from a 16450).
inline constexpr std::uint8_t kIirNoInterrupt = 0x01;
inline constexpr std::uint8_t kIirRls = 0x06;      // priority 1: overrun/parity/framing/break
inline constexpr std::uint8_t kIirRda = 0x04;      // priority 2: data at/above trigger level
inline constexpr std::uint8_t kIirTimeout = 0x0c;  // priority 2: data below trigger level
inline constexpr std::uint8_t kIirThre = 0x02;     // priority 3: THR empty
inline constexpr std::uint8_t kIirMsi = 0x00;      // priority 4: modem status change
inline constexpr std::uint8_t kIirFifoEnabled = 0xc0;

// FCR (write only). Bits other than kFcrEnable take effect only when written with it set.
inline constexpr std::uint8_t kFcrEnable = 0x01;
inline constexpr std::uint8_t kFcrClearRx = 0x02;
inline constexpr std::uint8_t kFcrClearTx = 0x04;
inline constexpr std::uint8_t kFcrTriggerMask = 0xc0;  // RX trigger: 1, 4, 8, 14 bytes

// LCR: only DLAB changes behaviour here; word length, parity and break are stored only.
inline constexpr std::uint8_t kLcrDlab = 0x80;

// MCR. On a PC the UART's interrupt pin reaches the PIC through a gate driven by OUT2.
inline constexpr std::uint8_t kMcrDtr = 0x01;
inline constexpr std::uint8_t kMcrRts = 0x02;
inline constexpr std::uint8_t kMcrOut1 = 0x04;
inline constexpr std::uint8_t kMcrOut2 = 0x08;
inline constexpr std::uint8_t kMcrLoop = 0x10;
inline constexpr std::uint8_t kMcrMask = 0x1f;  // bits 5-7 read 0 on a 16550A

// LSR.
inline constexpr std::uint8_t kLsrDataReady = 0x01;
inline constexpr std::uint8_t kLsrOverrun = 0x02;
inline constexpr std::uint8_t kLsrParity = 0x04;
inline constexpr std::uint8_t kLsrFraming = 0x08;
inline constexpr std::uint8_t kLsrBreak = 0x10;
inline constexpr std::uint8_t kLsrThrEmpty = 0x20;   // THRE: THR (or TX FIFO) empty
inline constexpr std::uint8_t kLsrTxEmpty = 0x40;    // TEMT: THR and shift register empty
inline constexpr std::uint8_t kLsrFifoError = 0x80;
inline constexpr std::uint8_t kLsrErrorBits = kLsrOverrun | kLsrParity | kLsrFraming | kLsrBreak;

// MSR: low nibble are change flags (cleared by reading MSR), high nibble the line states.
inline constexpr std::uint8_t kMsrDeltaCts = 0x01;
inline constexpr std::uint8_t kMsrDeltaDsr = 0x02;
inline constexpr std::uint8_t kMsrTrailingRi = 0x04;  // RI went from on to off
inline constexpr std::uint8_t kMsrDeltaDcd = 0x08;
inline constexpr std::uint8_t kMsrDeltaMask = 0x0f;
inline constexpr std::uint8_t kMsrCts = 0x10;
inline constexpr std::uint8_t kMsrDsr = 0x20;
inline constexpr std::uint8_t kMsrRi = 0x40;
inline constexpr std::uint8_t kMsrDcd = 0x80;

}  // namespace vmm::uart
