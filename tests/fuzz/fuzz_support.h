// What every fuzz target shares: FUZZ_CHECK (an invariant that must hold for any input:
// a message and abort(), which libFuzzer reports as a crash with the input saved), and
// ByteReader, which turns the fuzzer's bytes into numbers, choices and buffers. Reading
// past the end yields zeros, so a target never has to check how much input is left before
// it decodes one more operation; `done()` says when to stop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace vmm::fuzz {

[[noreturn]] void check_failed(const char* file, int line, const char* condition,
                               const std::string& why);

// Turns vmm's own logging off (spdlog's default logger), so a fuzz run prints only
// libFuzzer's lines and, on failure, the report. Call from LLVMFuzzerInitialize.
void quiet_logs();

class ByteReader {
 public:
  ByteReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  bool done() const { return pos_ >= size_; }
  std::size_t remaining() const { return done() ? 0 : size_ - pos_; }

  std::uint8_t u8() { return pos_ < size_ ? data_[pos_++] : 0; }
  // Little-endian; each part is read in its own statement (operands of | are unsequenced).
  std::uint16_t u16() {
    const std::uint16_t lo = u8();
    const std::uint16_t hi = u8();
    return static_cast<std::uint16_t>(lo | hi << 8);
  }
  std::uint32_t u32() {
    const std::uint32_t lo = u16();
    const std::uint32_t hi = u16();
    return lo | hi << 16;
  }
  std::uint64_t u64() {
    const std::uint64_t lo = u32();
    const std::uint64_t hi = u32();
    return lo | hi << 32;
  }
  bool flag() { return (u8() & 1) != 0; }

  // A value in [0, n) (n > 0); uses one byte when n <= 256.
  std::uint32_t below(std::uint32_t n) {
    return n <= 256 ? u8() % n : static_cast<std::uint32_t>(u32() % n);
  }

  // Mostly small numbers, sometimes any 32-bit value: one selector byte, then one byte
  // (0..255), two bytes, or four.
  std::uint32_t small_u32() {
    const std::uint8_t sel = u8();
    if (sel < 0xc0) return u8();
    if (sel < 0xf0) return u16();
    return u32();
  }
  // The same for 64-bit values: small, page multiples, or anything.
  std::uint64_t small_u64() {
    const std::uint8_t sel = u8();
    if (sel < 0xa0) return u8();
    if (sel < 0xd0) return std::uint64_t{u16()} << 12;
    if (sel < 0xf0) return u32();
    return u64();
  }

  // Up to `max` bytes: a length byte (or two when max > 255), then that many bytes.
  std::vector<std::uint8_t> bytes(std::size_t max) {
    const std::size_t want = (max > 255 ? u16() : u8()) % (max + 1);
    const std::size_t n = want < remaining() ? want : remaining();
    std::vector<std::uint8_t> out(data_ + pos_, data_ + pos_ + n);
    pos_ += n;
    return out;
  }
  std::vector<std::uint8_t> rest() {
    std::vector<std::uint8_t> out(data_ + pos_, data_ + pos_ + remaining());
    pos_ = size_;
    return out;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// Appends the bytes of a trivially copyable value (a wire struct) to `out`.
template <typename T>
void append(std::vector<std::uint8_t>& out, const T& value) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&value);
  out.insert(out.end(), p, p + sizeof(T));
}

// Whether `f` throws an E; any other exception goes on, to be reported as the bug it is.
// For checking that a constructor or setter refuses exactly the inputs it must.
template <typename E, typename F>
bool throws(F&& f) {
  try {
    f();
  } catch (const E&) {
    return true;
  }
  return false;
}

}  // namespace vmm::fuzz

#define FUZZ_CHECK(cond, why)                                               \
  do {                                                                      \
    if (!(cond)) ::vmm::fuzz::check_failed(__FILE__, __LINE__, #cond, why); \
  } while (0)

// The libFuzzer entry points of a target whose RUN takes the input's bytes as they are
// (data, size): vmm's logs quiet, then RUN once per input. One line per target in place of
// the same two functions in every file.
#define VMM_FUZZ_TARGET_BYTES(run)                                                    \
  extern "C" int LLVMFuzzerInitialize(int*, char***) {                                \
    ::vmm::fuzz::quiet_logs();                                                        \
    return 0;                                                                         \
  }                                                                                   \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
    run(data, size);                                                                  \
    return 0;                                                                         \
  }

namespace vmm::fuzz {
// RUN (a function of ByteReader&) over one input's bytes.
template <auto Run>
void run_on_reader(const std::uint8_t* data, std::size_t size) {
  ByteReader in(data, size);
  Run(in);
}
}  // namespace vmm::fuzz

// The same for a target that reads its input through a ByteReader.
#define VMM_FUZZ_TARGET(run) VMM_FUZZ_TARGET_BYTES(::vmm::fuzz::run_on_reader<run>)
