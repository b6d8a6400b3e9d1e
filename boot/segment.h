// x86 segment descriptors, described the way the hypervisor wants them (a plain mirror of
// the fields KVM's struct kvm_segment has), plus their encoding as GDT entries. The vmm/kvm
// layer copies Segment field by field into kvm_segment; boot/ never sees <linux/kvm.h>.
#pragma once

#include <array>
#include <cstdint>

namespace vmm {

struct Segment {
  std::uint64_t base = 0;
  std::uint32_t limit = 0;  // in bytes, already scaled by G (0xffffffff for a flat 4 GiB
                            // segment), which is what kvm_segment.limit expects
  std::uint16_t selector = 0;
  std::uint8_t type = 0;  // 4-bit descriptor type
  std::uint8_t present = 0;
  std::uint8_t dpl = 0;
  std::uint8_t db = 0;  // default operand size (D/B)
  std::uint8_t s = 0;   // 1 = code/data, 0 = system (TSS, LDT)
  std::uint8_t l = 0;   // 64-bit code
  std::uint8_t g = 0;   // limit counts 4 KiB units in the descriptor
  std::uint8_t avl = 0;
  std::uint8_t unusable = 0;

  bool operator==(const Segment&) const = default;
};

// The 8-byte GDT descriptor for a code or data segment (s = 1).
std::uint64_t encode_descriptor(const Segment& segment);

// The 16-byte long-mode system descriptor (TSS, LDT): the 8-byte form plus base[63:32].
std::array<std::uint64_t, 2> encode_system_descriptor(const Segment& segment);

}  // namespace vmm
