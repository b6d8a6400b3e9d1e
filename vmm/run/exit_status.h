// vmm's own exit statuses. A guest's debug-exit byte is passed through unchanged, so the
// log line that ends every run says which of the two it was.
#pragma once

namespace vmm {

inline constexpr int kExitSetupError = 1;
inline constexpr int kExitUsageError = 2;
inline constexpr int kExitVmFailed = 3;

}  // namespace vmm
