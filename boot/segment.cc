#include "boot/segment.h"

namespace vmm {

std::uint64_t encode_descriptor(const Segment& seg) {
  // With G set the descriptor holds the limit in 4 KiB units; Segment holds bytes.
  const std::uint64_t raw_limit = (seg.g ? seg.limit >> 12 : seg.limit) & 0xfffff;
  const std::uint64_t base = seg.base & 0xffffffff;
  return (raw_limit & 0xffff) |                         // limit 15:0
         ((base & 0xffffff) << 16) |                    // base 23:0
         (std::uint64_t{seg.type & 0xfu} << 40) |       //
         (std::uint64_t{seg.s & 1u} << 44) |            //
         (std::uint64_t{seg.dpl & 3u} << 45) |          //
         (std::uint64_t{seg.present & 1u} << 47) |      //
         ((raw_limit >> 16) << 48) |                    // limit 19:16
         (std::uint64_t{seg.avl & 1u} << 52) |          //
         (std::uint64_t{seg.l & 1u} << 53) |            //
         (std::uint64_t{seg.db & 1u} << 54) |           //
         (std::uint64_t{seg.g & 1u} << 55) |            //
         ((base >> 24) << 56);                          // base 31:24
}

std::array<std::uint64_t, 2> encode_system_descriptor(const Segment& seg) {
  return {encode_descriptor(seg), seg.base >> 32};
}

}  // namespace vmm
