#include "devices/pci/shared_irq_line.h"

#include <gtest/gtest.h>

#include "tests/unit/pci/pci_fakes.h"

namespace vmm {
namespace {

// Every test drives one shared line through the inputs it connects.
class SharedIrqLineTest : public ::testing::Test {
 protected:
  std::shared_ptr<testing::RecordingIrqLine> line = std::make_shared<testing::RecordingIrqLine>();
  SharedIrqLine shared{line};
};

TEST_F(SharedIrqLineTest, LineIsTheOrOfItsInputs) {
  auto a = shared.connect();
  auto b = shared.connect();
  a->set_level(true);
  b->set_level(true);
  a->set_level(false);
  EXPECT_TRUE(line->level());
  b->set_level(false);
  EXPECT_FALSE(line->level());
  EXPECT_EQ(line->levels, (std::vector<bool>{true, false}));  // driven on change only
}

TEST_F(SharedIrqLineTest, RepeatedLevelsCountOnce) {
  auto a = shared.connect();
  auto b = shared.connect();
  a->set_level(true);
  a->set_level(true);
  b->set_level(false);
  a->set_level(false);
  EXPECT_FALSE(line->level());
}

TEST_F(SharedIrqLineTest, DestroyedInputReleasesTheLine) {
  auto a = shared.connect();
  a->set_level(true);
  a.reset();
  EXPECT_FALSE(line->level());
}

}  // namespace
}  // namespace vmm
