// Register layout of the i8042 PC keyboard controller: a data port at 0x60 and a
// status (read) / command (write) port at 0x64.
#pragma once

#include <cstdint>

namespace vmm::i8042 {

// Offsets from kI8042Base (0x60).
inline constexpr std::uint64_t kDataOffset = 0;     // port 0x60
inline constexpr std::uint64_t kCommandOffset = 4;  // port 0x64

// Status register bits.
inline constexpr std::uint8_t kStatusOutputFull = 0x01;  // OBF: a byte waits at 0x60
inline constexpr std::uint8_t kStatusInputFull = 0x02;   // IBF: controller busy with input

// Commands 0xf0-0xff pulse output-port lines low for ~6 us; low nibble bit set = line left
// alone. Output-port line 0 is wired to the CPU reset, so a command with bit 0 clear
// (0xfe being the usual one) resets the machine.
inline constexpr std::uint8_t kCommandPulseMask = 0xf0;
inline constexpr std::uint8_t kPulseResetLine = 0x01;
inline constexpr std::uint8_t kCommandPulseReset = 0xfe;

}  // namespace vmm::i8042
