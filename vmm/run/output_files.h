// OutputFiles: the files a run writes for the user (--report, --memslot-trace, --dump-dtb,
// --gpu-screenshot). Some are created during set-up (the report is written once early to
// prove it can be); when set-up then fails, the files this run created are removed, so a
// refused start leaves nothing behind. Files that existed before are left as they are.
#pragma once

#include <string>
#include <vector>

#include "vmm/cli/options.h"

namespace vmm {

class OutputFiles {
 public:
  explicit OutputFiles(const Options& options);  // notes which paths do not exist yet
  void remove_created() const;                   // after a failed set-up

 private:
  std::vector<std::string> absent_before_;
};

}  // namespace vmm
