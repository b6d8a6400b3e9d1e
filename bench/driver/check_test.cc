// vmm-bench check refuses what a broken measurement run writes: a figure filled with zeros
// (what an absent trace field such as kvm_ns used to become), a missing figure, no samples,
// and a floor that is required but empty or not measured.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "bench/driver/check.h"
#include "bench/driver/figures.h"

namespace bench {
namespace {

// Every expected figure with three plausible samples, and the floor's where it needs one.
nlohmann::json complete_measurement() {
  nlohmann::json figures = nlohmann::json::array();
  for (const auto& [id, needs_floor] : expected_figures()) {
    Figure f{id, "test figure", "ns", {1200, 1300, 1250}, {}, {}, {}};
    if (needs_floor) f.floor = {900, 950, 925};
    figures.push_back(to_json(f));
  }
  return {{"figures", figures}};
}

nlohmann::json& figure(nlohmann::json& m, const std::string& id) {
  for (auto& f : m["figures"])
    if (f["id"] == id) return f;
  throw std::runtime_error("no figure " + id);
}

TEST(BenchCheck, CompleteMeasurementPasses) {
  EXPECT_EQ(check_measurement(complete_measurement()), std::vector<std::string>{});
}

TEST(BenchCheck, KvmFigureFilledWithZerosIsRefused) {
  nlohmann::json m = complete_measurement();
  figure(m, "blob.map.host.kvm")["vmm"] = {0.0, 0.0, 0.0};
  EXPECT_EQ(check_measurement(m),
            std::vector<std::string>{"blob.map.host.kvm: vmm sample 0 is 0: not measured"});
}

TEST(BenchCheck, OneZeroSampleAmongMeasuredOnesIsRefused) {
  nlohmann::json m = complete_measurement();
  figure(m, "blob.unmap.host.kvm")["vmm"] = {4000.0, 0.0, 4100.0};
  EXPECT_EQ(check_measurement(m),
            std::vector<std::string>{"blob.unmap.host.kvm: vmm sample 1 is 0: not measured"});
}

TEST(BenchCheck, NegativeOrNotFiniteSamplesAreRefused) {
  nlohmann::json m = complete_measurement();
  figure(m, "exit.pio")["vmm"] = {-5.0};
  figure(m, "rss.own")["vmm"] = {1.0e6, NAN};
  EXPECT_EQ(check_measurement(m),
            (std::vector<std::string>{"exit.pio: vmm sample 0 is -5: not measured",
                                      "rss.own: vmm sample 1 is nan: not measured"}));
}

TEST(BenchCheck, MissingFigureIsRefused) {
  nlohmann::json m = complete_measurement();
  auto& figures = m["figures"];
  for (auto it = figures.begin(); it != figures.end(); ++it)
    if ((*it)["id"] == "blob.map.host.kvm") {
      figures.erase(it);
      break;
    }
  EXPECT_EQ(check_measurement(m), std::vector<std::string>{"blob.map.host.kvm: missing"});
}

TEST(BenchCheck, EmptyOrUnmeasuredFloorIsRefused) {
  nlohmann::json m = complete_measurement();
  figure(m, "exit.mmio")["floor"] = nlohmann::json::array();
  figure(m, "blob.map.host")["floor"] = {0.0};
  // Optional floors (rss.own has none) need not be there; when they are, they must be real.
  figure(m, "scale.floor.add@1")["floor"] = {0.0};
  EXPECT_EQ(check_measurement(m),
            (std::vector<std::string>{"exit.mmio: no floor samples",
                                      "blob.map.host: floor sample 0 is 0: not measured",
                                      "scale.floor.add@1: floor sample 0 is 0: not measured"}));
}

TEST(BenchCheck, NoSamplesIsRefused) {
  nlohmann::json m = complete_measurement();
  figure(m, "startup.1g")["vmm"] = nlohmann::json::array();
  EXPECT_EQ(check_measurement(m), std::vector<std::string>{"startup.1g: no vmm samples"});
}

}  // namespace
}  // namespace bench
