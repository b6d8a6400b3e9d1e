// What a measurement run produces: figures, each a list of vmm samples and, where the floor
// does the same step, the floor's samples, in one unit. `group` and `x` place a figure on a
// curve (the scale plots): group "scale.per-blob.map", x = live blobs.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace bench {

struct Figure {
  std::string id = {};    // unique, e.g. "exit.pio", "scale.per-blob.map@256"
  std::string what = {};  // one line for the table
  std::string unit = {};  // "ns" or "bytes"
  std::vector<double> vmm = {};
  std::vector<double> floor = {};  // empty: no floor for this figure
  std::string group = {};          // curves: the figures of one group share a plot line
  std::optional<double> x = {};    // the figure's place on that curve
};

nlohmann::json to_json(const Figure& f);
Figure figure_from_json(const nlohmann::json& j);

}  // namespace bench
