// min / median / max of a figure's samples.
#pragma once

#include <vector>

namespace bench {

struct Summary {
  double min = 0, median = 0, max = 0;
  std::size_t count = 0;
};

// All zero with count 0 for no samples.
Summary summarize(std::vector<double> samples);

}  // namespace bench
