#include "bench/driver/figures.h"

namespace bench {

nlohmann::json to_json(const Figure& f) {
  nlohmann::json j = {{"id", f.id}, {"what", f.what}, {"unit", f.unit}, {"vmm", f.vmm}, {"floor", f.floor}};
  if (!f.group.empty()) j["group"] = f.group;
  if (f.x) j["x"] = *f.x;
  return j;
}

Figure figure_from_json(const nlohmann::json& j) {
  Figure f;
  f.id = j.at("id").get<std::string>();
  f.what = j.value("what", "");
  f.unit = j.value("unit", "");
  f.vmm = j.value("vmm", std::vector<double>{});
  f.floor = j.value("floor", std::vector<double>{});
  f.group = j.value("group", "");
  if (j.contains("x")) f.x = j["x"].get<double>();
  return f;
}

}  // namespace bench
