// The x86 page sizes vmm works in: what memslots, blobs and BARs are aligned to.
#pragma once

#include <cstdint>

namespace vmm {

inline constexpr std::uint64_t kPageSize = 4096;
inline constexpr std::uint64_t kLargePageSize = 2ull << 20;  // a 2 MiB page (PD entry with PS)

}  // namespace vmm
