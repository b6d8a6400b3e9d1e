#include "bench/driver/measure.h"

#include <cstdio>
#include <deque>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "bench/driver/figures.h"
#include "bench/driver/spawn.h"

namespace bench {

namespace {

// How much of everything: `full` for numbers, `quick` so the ctest stays short.
struct Plan {
  int exit_iterations, exit_batches;  // per kind, per program
  int boots;                          // start-up samples per configuration
  int ram_boots;                      // ... per RAM size
  int blob_reps;
  int scale_max, scale_reps;
  const char* floor_live;             // floor-memslot --live
};
constexpr Plan kFull{2000, 7, 7, 3, 30, 4096, 7, "1,16,256,4096,max"};
// One sample of each: the smoke test (bench_kvm_smoke) checks that every figure is produced,
// and each vmm start costs over a second in CI's emulated host (ASan under TCG).
constexpr Plan kQuick{50, 2, 1, 1, 3, 16, 1, "1,16"};
const char* const kRamSizes[] = {"256M", "4G", "64G"};
const double kRamMiB[] = {256, 4096, 65536};
constexpr int kTimeoutS = 600;

class Runner {
 public:
  explicit Runner(const MeasureOptions& o) : o_(o) {}

  SpawnResult run(const std::vector<std::string>& argv) {
    SpawnResult r = run_program(argv, o_.work_dir, kTimeoutS);
    if (r.exit_status != 0 || r.timed_out) {
      std::string tail = r.err.size() > 2000 ? r.err.substr(r.err.size() - 2000) : r.err;
      throw std::runtime_error(describe(argv) + (r.timed_out ? ": timed out" : ": exit status " +
                               std::to_string(r.exit_status)) + "\n" + tail);
    }
    return r;
  }
  nlohmann::json run_floor(const std::string& program, std::vector<std::string> args) {
    args.insert(args.begin(), o_.floor_dir + "/" + program);
    const SpawnResult r = run(args);
    try {
      return nlohmann::json::parse(r.out);
    } catch (const std::exception& e) {
      throw std::runtime_error(describe(args) + ": not one JSON object: " + e.what());
    }
  }
  // vmm with the tiny guest; `cmdline` is appended to the console setting.
  SpawnResult run_vmm(std::vector<std::string> args, const std::string& cmdline) {
    std::vector<std::string> argv = {o_.vmm, "--kernel", o_.guest, "--cmdline", "console=ttyS0 " + cmdline};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }
  std::string path(const std::string& name) const { return o_.work_dir + "/" + name; }

 private:
  const MeasureOptions& o_;
};

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  return nlohmann::json::parse(in);
}

// "BENCH <kind> k=v k=v": the lines of one kind, as maps.
std::vector<std::map<std::string, std::string>> bench_lines(const std::string& console, const std::string& kind) {
  std::vector<std::map<std::string, std::string>> lines;
  std::istringstream in(console);
  std::string line;
  const std::string prefix = "BENCH " + kind + " ";
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind(prefix, 0) != 0) continue;
    std::map<std::string, std::string> fields;
    std::istringstream words(line.substr(prefix.size()));
    std::string word;
    while (words >> word)
      if (auto eq = word.find('='); eq != std::string::npos) fields[word.substr(0, eq)] = word.substr(eq + 1);
    lines.push_back(fields);
  }
  return lines;
}

double number(const std::map<std::string, std::string>& fields, const std::string& key) {
  auto it = fields.find(key);
  if (it == fields.end()) throw std::runtime_error("BENCH line without " + key);
  return std::stod(it->second);
}

std::vector<double> doubles(const nlohmann::json& array) { return array.get<std::vector<double>>(); }

class Measurement {
 public:
  Measurement(const MeasureOptions& o) : o_(o), plan_(o.quick ? kQuick : kFull), run_(o) {}

  nlohmann::json all() {
    exits();
    startup();
    ram_scale();
    own_memory();
    blob();
    scale();
    nlohmann::json figures = nlohmann::json::array();
    for (const auto& f : figures_) figures.push_back(to_json(f));
    return {{"where", o_.where}, {"quick", o_.quick}, {"tsc_khz", tsc_khz_}, {"figures", figures}};
  }

 private:
  double cycles_to_ns(double cycles) const { return cycles * 1e6 / tsc_khz_; }
  Figure& add(Figure f) { return figures_.emplace_back(std::move(f)); }

  // Exit round trips, guest TSC cycles per exit in both (converted to ns with KVM's TSC rate,
  // which floor-exits asks KVM for).
  void exits() {
    const std::string it = std::to_string(plan_.exit_iterations), batches = std::to_string(plan_.exit_batches);
    for (const char* kind : {"pio", "mmio"}) {
      const auto floor = run_.run_floor("floor-exits", {"--kind", kind, "--iterations", it, "--batches", batches});
      if (floor["tsc_khz"].is_number() && floor["tsc_khz"].get<double>() > 0) tsc_khz_ = floor["tsc_khz"].get<double>();
      if (tsc_khz_ <= 0) throw std::runtime_error("KVM did not say its TSC rate (KVM_GET_TSC_KHZ)");
      Figure f{"exit." + std::string(kind), std::string(kind == std::string("pio") ? "PIO" : "MMIO") +
               " exit round trip (guest: one write, vmm's device, back)", "ns"};
      for (double c : doubles(floor["guest_cycles_per_exit"])) f.floor.push_back(cycles_to_ns(c));
      figures_by_kind_[kind] = &add(std::move(f));
    }
    const SpawnResult r = run_.run_vmm({"--gpu"}, "vmmtest.bench_exits=" + it + " vmmtest.bench_batches=" + batches);
    for (const auto& line : bench_lines(r.out, "exit")) {
      auto found = figures_by_kind_.find(line.at("kind"));
      if (found == figures_by_kind_.end()) continue;
      found->second->vmm.push_back(cycles_to_ns(number(line, "cycles") / number(line, "iterations")));
    }
  }

  // exec -> the guest's first port write: floor-boot's own clock at its first KVM_EXIT_IO,
  // vmm's --report timeline; both minus the spawn time. Interleaved, so drift hits both.
  double vmm_first_write(const std::vector<std::string>& extra, double* own_bytes = nullptr,
                         double* total_bytes = nullptr) {
    std::vector<std::string> args = extra;
    args.insert(args.end(), {"--report", run_.path("report.json")});
    const SpawnResult r = run_.run_vmm(args, "");
    const auto report = read_json_file(run_.path("report.json"));
    const double first = report["timeline"]["first_port_write_ns"].get<double>();
    if (own_bytes) *own_bytes = report["resident_memory"]["own_bytes"].get<double>();
    if (total_bytes) *total_bytes = report["resident_memory"]["total_bytes"].get<double>();
    return first - static_cast<double>(r.spawned_ns);
  }
  double floor_first_write(const std::string& mib, double* rss = nullptr) {
    const SpawnResult r = run_.run({floor_path("floor-boot"), "--mem-mib", mib});
    const auto j = nlohmann::json::parse(r.out);
    if (rss) *rss = j["rss_bytes"].get<double>();
    return j["first_port_write_monotonic_ns"].get<double>() - static_cast<double>(r.spawned_ns);
  }
  std::string floor_path(const std::string& program) const { return o_.floor_dir + "/" + program; }

  void startup() {
    Figure plain{"startup.1g", "exec -> guest's first port write, 1 GiB RAM", "ns"};
    Figure gpu{"startup.1g.gpu", "exec -> guest's first port write, 1 GiB RAM, --gpu", "ns"};
    for (int i = 0; i < plan_.boots; ++i) {
      plain.floor.push_back(floor_first_write("1024"));
      plain.vmm.push_back(vmm_first_write({"--mem", "1G"}));
      gpu.vmm.push_back(vmm_first_write({"--mem", "1G", "--gpu"}));
    }
    gpu.floor = plain.floor;
    add(std::move(plain));
    add(std::move(gpu));
  }

  void ram_scale() {
    for (std::size_t i = 0; i < std::size(kRamSizes); ++i) {
      const std::string size = kRamSizes[i];
      Figure time{"ram.startup@" + size, "exec -> first port write, " + size + " RAM", "ns", {}, {}, "ram.startup", kRamMiB[i]};
      Figure rss{"ram.rss@" + size, "resident memory at the stop, " + size + " RAM (floor: at its first port write)",
                 "bytes", {}, {}, "ram.rss", kRamMiB[i]};
      for (int b = 0; b < plan_.ram_boots; ++b) {
        double floor_rss = 0, vmm_total = 0;
        time.floor.push_back(floor_first_write(std::to_string(static_cast<long>(kRamMiB[i])), &floor_rss));
        time.vmm.push_back(vmm_first_write({"--mem", size}, nullptr, &vmm_total));
        rss.floor.push_back(floor_rss);
        rss.vmm.push_back(vmm_total);
      }
      add(std::move(time));
      add(std::move(rss));
    }
  }

  // vmm's own resident memory: everything but guest RAM and guest device memory.
  void own_memory() {
    Figure plain{"rss.own", "vmm's own resident memory (RSS minus guest pages), 256 MiB guest", "bytes"};
    Figure gpu{"rss.own.gpu", "vmm's own resident memory, 256 MiB guest, --gpu", "bytes"};
    for (int i = 0; i < plan_.boots; ++i) {
      double own = 0;
      vmm_first_write({"--mem", "256M"}, &own);
      plain.vmm.push_back(own);
      vmm_first_write({"--mem", "256M", "--gpu"}, &own);
      gpu.vmm.push_back(own);
    }
    add(std::move(plain));
    add(std::move(gpu));
  }

  // RESOURCE_MAP_BLOB -> slot live -> UNMAP of a 2 MiB blob: as the guest sees it (both
  // mappings) and as vmm's memslot trace times it (per-blob: the table and KVM); the floor
  // adds and removes a 2 MiB memfd slot.
  void blob() {
    const auto floor = run_.run_floor("floor-memslot", {"--live", "1", "--repeat", std::to_string(plan_.blob_reps)});
    const auto& point = floor["points"][0];
    const auto floor_add = doubles(point["add_ns"]), floor_remove = doubles(point["remove_ns"]);
    const std::string reps = "vmmtest.bench_blob=" + std::to_string(plan_.blob_reps);
    for (const char* mode : {"per-blob", "fixed"}) {
      Figure map{"blob.map.guest." + std::string(mode), "RESOURCE_MAP_BLOB (2 MiB) as the guest sees it, " + std::string(mode), "ns"};
      Figure unmap{"blob.unmap.guest." + std::string(mode), "RESOURCE_UNMAP_BLOB as the guest sees it, " + std::string(mode), "ns"};
      const SpawnResult r = run_.run_vmm({"--gpu", "--gpu-blob-mapping", mode}, reps);
      for (const auto& line : bench_lines(r.out, "blob")) {
        map.vmm.push_back(cycles_to_ns(number(line, "map_cycles")));
        unmap.vmm.push_back(cycles_to_ns(number(line, "unmap_cycles")));
      }
      map.floor = floor_add;
      unmap.floor = floor_remove;
      add(std::move(map));
      add(std::move(unmap));
    }
    Figure map{"blob.map.host", "RESOURCE_MAP_BLOB -> slot live, vmm's trace (table + KVM), per-blob", "ns"};
    Figure unmap{"blob.unmap.host", "RESOURCE_UNMAP_BLOB -> slot gone, vmm's trace, per-blob", "ns"};
    Figure map_kvm{"blob.map.host.kvm", "... of which the KVM_SET_USER_MEMORY_REGION ioctl (add)", "ns"};
    Figure unmap_kvm{"blob.unmap.host.kvm", "... of which the ioctl (remove)", "ns"};
    const std::string trace = run_.path("trace.jsonl");
    // --derive-memtype stop: with the default (first-touch) a blob's slot reaches KVM at the
    // guest's first access, not in RESOURCE_MAP_BLOB, so its add would carry no ioctl.
    run_.run_vmm({"--gpu", "--derive-memtype", "stop", "--memslot-trace", trace}, reps);
    std::ifstream in(trace);
    std::string line;
    while (std::getline(in, line)) {
      const auto event = nlohmann::json::parse(line);
      if (event.value("owner", "").rfind("gpu-blob", 0) != 0 || !event.contains("took_ns")) continue;
      // An event timed without its ioctl is a trace this driver does not understand: stop
      // here rather than write a 0 that `check` would have to tell from a measurement.
      if (!event.contains("kvm_ns"))
        throw std::runtime_error("memslot trace " + trace + ": a timed event has no kvm_ns: " + line);
      // A slot left for the guest's first touch made no ioctl here: its kvm_ns is no time.
      if (event.contains("pending"))
        throw std::runtime_error("memslot trace " + trace + ": a blob slot waited for its first touch: " + line);
      const bool added = event["event"] == "add";
      (added ? map.vmm : unmap.vmm).push_back(event["took_ns"].get<double>());
      (added ? map_kvm.vmm : unmap_kvm.vmm).push_back(event["kvm_ns"].get<double>());
    }
    map.floor = map_kvm.floor = floor_add;
    unmap.floor = unmap_kvm.floor = floor_remove;
    add(std::move(map));
    add(std::move(map_kvm));
    add(std::move(unmap));
    add(std::move(unmap_kvm));
  }

  // Map + unmap of one 4 KiB blob with N blobs live, both mappings; the floor adds and
  // removes a 2 MiB slot with N 4 KiB slots live (up to KVM's limit).
  void scale() {
    const auto floor = run_.run_floor("floor-memslot", {"--live", plan_.floor_live, "--repeat", std::to_string(plan_.scale_reps)});
    for (const auto& point : floor["points"]) {
      const double live = point["live"].get<double>();
      const std::string at = std::to_string(static_cast<long>(live));
      add({"scale.floor.add@" + at, "floor: add a slot with " + at + " slots live", "ns", doubles(point["add_ns"]), {}, "scale.floor.add", live});
      add({"scale.floor.remove@" + at, "floor: remove it", "ns", doubles(point["remove_ns"]), {}, "scale.floor.remove", live});
    }
    const std::string args = "vmmtest.bench_scale=" + std::to_string(plan_.scale_max) +
                             " vmmtest.bench_reps=" + std::to_string(plan_.scale_reps);
    for (const char* mode : {"per-blob", "fixed"}) {
      const SpawnResult r = run_.run_vmm({"--gpu", "--gpu-blob-mapping", mode}, args);
      std::map<long, std::pair<std::vector<double>, std::vector<double>>> by_live;
      for (const auto& line : bench_lines(r.out, "scale")) {
        if (!line.count("live") || !line.count("map_cycles")) continue;
        auto& samples = by_live[std::stol(line.at("live"))];
        samples.first.push_back(cycles_to_ns(number(line, "map_cycles")));
        samples.second.push_back(cycles_to_ns(number(line, "unmap_cycles")));
      }
      for (const auto& [live, samples] : by_live) {
        const std::string at = std::to_string(live), m = mode;
        add({"scale." + m + ".map@" + at, "RESOURCE_MAP_BLOB (4 KiB, guest) with " + at + " blobs live, " + m, "ns",
             samples.first, {}, "scale." + m + ".map", static_cast<double>(live)});
        add({"scale." + m + ".unmap@" + at, "RESOURCE_UNMAP_BLOB with " + at + " live, " + m, "ns",
             samples.second, {}, "scale." + m + ".unmap", static_cast<double>(live)});
      }
    }
  }

  const MeasureOptions& o_;
  Plan plan_;
  Runner run_;
  double tsc_khz_ = 0;
  std::deque<Figure> figures_;  // a deque: figures_by_kind_ points into it while it grows
  std::map<std::string, Figure*> figures_by_kind_;
};

}  // namespace

nlohmann::json measure(const MeasureOptions& options) {
  return Measurement(options).all();
}

}  // namespace bench
