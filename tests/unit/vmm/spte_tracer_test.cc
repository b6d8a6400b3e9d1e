// SpteTracer where it can be set up (root, tracefs, the kvm module) and, far more often on a
// build machine, where it cannot: then it must say why in one line and record nothing, never
// half-work. Which of the two this machine is, the test finds out from the result itself and
// checks the promise that goes with it.
#include "vmm/kvm/spte_tracer.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace vmm {
namespace {

TEST(SpteTracer, EitherReadsTheTracepointOrSaysInOneLineWhyNot) {
  std::string why;
  auto tracer = SpteTracer::open(0x100000000ull, 0x1100000000ull, memtype::SecondLevel::Npt,
                                 0x0407050600070106ull, &why);
  if (!tracer) {
    EXPECT_EQ(why.rfind("KVM's second-level entries are not read (kvmmmu:kvm_mmu_set_spte): ", 0), 0u) << why;
    EXPECT_EQ(why.find('\n'), std::string::npos) << "one line: " << why;
    if (geteuid() != 0) {
      EXPECT_NE(why.find("root"), std::string::npos) << "a user who is not root is told so: " << why;
    }
    return;
  }
  // It works here: nothing of vmm's runs, so nothing is recorded, and the status says so.
  tracer->drain();
  EXPECT_EQ(tracer->events_recorded(), 0u);
  EXPECT_FALSE(tracer->summary(1));
  EXPECT_NE(tracer->status().find("kvmmmu:kvm_mmu_set_spte:"), std::string::npos) << tracer->status();
  tracer->close();
  tracer->close();  // idempotent
}

}  // namespace
}  // namespace vmm
