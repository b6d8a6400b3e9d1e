#include "vmm/run/output_files.h"

#include <sys/stat.h>
#include <unistd.h>

namespace vmm {

OutputFiles::OutputFiles(const Options& options) {
  for (const auto* path : {&options.report, &options.memslot_trace, &options.dump_dtb,
                           &options.gpu_screenshot}) {
    struct stat st {};
    if (*path && ::lstat((*path)->c_str(), &st) != 0) absent_before_.push_back(**path);
  }
}

void OutputFiles::remove_created() const {
  for (const auto& path : absent_before_) ::unlink(path.c_str());
}

}  // namespace vmm
