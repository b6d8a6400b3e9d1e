#include "bench/driver/render.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "bench/driver/figures.h"
#include "bench/driver/stats.h"

namespace bench {

namespace {

nlohmann::json summary_json(const Summary& s) {
  if (s.count == 0) return nullptr;
  return {{"min", s.min}, {"median", s.median}, {"max", s.max}, {"samples", s.count}};
}

// Display: ns as µs, bytes as MiB.
std::string shown(double value, const std::string& unit) {
  char text[64];
  if (unit == "ns") std::snprintf(text, sizeof text, "%.1f", value / 1000);
  else if (unit == "bytes") std::snprintf(text, sizeof text, "%.2f", value / (1 << 20));
  else if (unit == "s") std::snprintf(text, sizeof text, "%.2f", value);
  else std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}
std::string unit_shown(const std::string& unit) {
  return unit == "ns" ? "µs" : unit == "bytes" ? "MiB" : unit;
}
std::string triple(const Summary& s, const std::string& unit) {
  if (s.count == 0) return "—";
  return shown(s.min, unit) + " / " + shown(s.median, unit) + " / " + shown(s.max, unit);
}
std::string ratio_text(std::optional<double> ratio) {
  if (!ratio) return "—";
  char text[32];
  std::snprintf(text, sizeof text, "%.2f×", *ratio);
  return text;
}

struct Row {
  Figure figure;
  Summary vmm, floor;
  std::optional<double> ratio;  // vmm median / floor median
};

struct Target {
  std::string what, limit, measured;
  std::optional<bool> met;  // nullopt: not measured in this run
  std::string note;
};

class Results {
 public:
  explicit Results(const RenderInput& in) {
    for (const auto& j : in.measurement.at("figures")) {
      Row row{figure_from_json(j), summarize(figure_from_json(j).vmm), summarize(figure_from_json(j).floor), {}};
      if (row.vmm.count && row.floor.count && row.floor.median > 0) row.ratio = row.vmm.median / row.floor.median;
      by_id_[row.figure.id] = rows_.size();
      rows_.push_back(std::move(row));
    }
  }

  const Row* row(const std::string& id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &rows_[it->second];
  }
  const std::vector<Row>& rows() const { return rows_; }

  std::vector<Target> targets() const {
    std::vector<Target> t;
    auto ratio_target = [&](const std::string& id, const std::string& what, double limit) {
      Target target{what, "≤ " + ratio_text(limit) + " the floor", "not measured", std::nullopt, ""};
      if (const Row* r = row(id); r && r->ratio) {
        target.measured = ratio_text(r->ratio) + " (" + shown(r->vmm.median, r->figure.unit) + " vs " +
                          shown(r->floor.median, r->figure.unit) + " " + unit_shown(r->figure.unit) + ", medians)";
        target.met = *r->ratio <= limit;
      }
      t.push_back(target);
    };
    ratio_target("exit.pio", "PIO exit round trip", 1.10);
    ratio_target("exit.mmio", "MMIO exit round trip", 1.10);
    ratio_target("blob.map.host", "RESOURCE_MAP_BLOB -> slot live (vmm's trace) vs a raw 2 MiB add", 1.5);
    ratio_target("startup.1g", "exec -> first guest port write, 1 GiB RAM", 1.2);
    for (const char* id : {"rss.own", "rss.own.gpu"}) {
      Target target{std::string("vmm's own resident memory") + (std::string(id) == "rss.own.gpu" ? ", --gpu" : ""),
                    "≤ 5 MiB", "not measured", std::nullopt, ""};
      if (const Row* r = row(id); r && r->vmm.count) {
        target.measured = shown(r->vmm.median, "bytes") + " MiB (median)";
        target.met = r->vmm.median <= 5.0 * (1 << 20);
      }
      t.push_back(target);
    }
    // Flat: the cost with the most blobs live within 25% of the cost with one live.
    for (const char* mode : {"per-blob", "fixed"}) {
      Target target{std::string("map cost flat with live blobs, ") + mode, "largest / 1 live ≤ 1.25×",
                    "not measured", std::nullopt, ""};
      const Row* one = row(std::string("scale.") + mode + ".map@1");
      const Row* most = nullptr;
      for (const Row& r : rows_)
        if (r.figure.group == std::string("scale.") + mode + ".map" && (!most || *r.figure.x > *most->figure.x)) most = &r;
      if (one && most && most != one && one->vmm.median > 0) {
        const double ratio = most->vmm.median / one->vmm.median;
        target.measured = ratio_text(ratio) + " (" + std::to_string(static_cast<long>(*most->figure.x)) + " live: " +
                          shown(most->vmm.median, "ns") + " µs, 1 live: " + shown(one->vmm.median, "ns") + " µs)";
        target.met = ratio <= 1.25;
      }
      t.push_back(target);
    }
    return t;
  }

 private:
  std::vector<Row> rows_;
  std::map<std::string, std::size_t> by_id_;
};

std::string md_escape(std::string text) {
  for (std::size_t at = 0; (at = text.find('|', at)) != std::string::npos; at += 2) text.replace(at, 1, "\\|");
  return text;
}

// The peer comparison: per machine, min/median/max of each field.
struct PeerRow {
  std::string machine;
  Summary uptime, wall, rss;
};
std::vector<PeerRow> peer_rows(const nlohmann::json& peer) {
  std::map<std::string, std::vector<double>[3]> by_machine;
  std::vector<std::string> order;
  for (const auto& run : peer.value("runs", nlohmann::json::array())) {
    const std::string machine = run.value("machine", "?");
    if (!by_machine.count(machine)) order.push_back(machine);
    auto& fields = by_machine[machine];
    if (run.contains("init_uptime_s") && run["init_uptime_s"].is_number()) fields[0].push_back(run["init_uptime_s"]);
    if (run.contains("wall_to_init_s") && run["wall_to_init_s"].is_number()) fields[1].push_back(run["wall_to_init_s"]);
    if (run.contains("rss_bytes") && run["rss_bytes"].is_number()) fields[2].push_back(run["rss_bytes"]);
  }
  std::vector<PeerRow> rows;
  for (const auto& machine : order) {
    auto& f = by_machine[machine];
    rows.push_back({machine, summarize(f[0]), summarize(f[1]), summarize(f[2])});
  }
  return rows;
}

// One gnuplot data file per curve: x median min max.
void write_curve(const std::string& path, const std::vector<const Row*>& points, bool floor_side) {
  std::ofstream out(path);
  for (const Row* r : points) {
    const Summary& s = floor_side ? r->floor : r->vmm;
    if (s.count) out << *r->figure.x << " " << s.median << " " << s.min << " " << s.max << "\n";
  }
}

struct Curve {
  std::string title, data;
};

// A gnuplot string literal: double quotes, so titles may hold apostrophes.
std::string quoted(const std::string& text) {
  std::string q = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

void plot(const std::string& out_dir, const std::string& name, const std::string& title,
          const std::string& xlabel, const std::string& ylabel, double y_scale,
          const std::vector<Curve>& curves) {
  std::ostringstream script;
  script << "set terminal pngcairo size 900,560 noenhanced\n"
         << "set output " << quoted(out_dir + "/" + name + ".png") << "\n"
         << "set title " << quoted(title) << "\nset xlabel " << quoted(xlabel) << "\nset ylabel " << quoted(ylabel) << "\n"
         << "set logscale x 2\nset grid\nset key left top\nset yrange [0:*]\n"
         << "plot ";
  for (std::size_t i = 0; i < curves.size(); ++i)
    script << (i ? ", " : "") << quoted(curves[i].data) << " using 1:($2/" << y_scale << "):($3/" << y_scale
           << "):($4/" << y_scale << ") with yerrorlines title " << quoted(curves[i].title);
  script << "\n";
  const std::string script_path = out_dir + "/" + name + ".gnuplot";
  std::ofstream(script_path) << script.str();
  const std::string command = "gnuplot '" + script_path + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run gnuplot");
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe)) output += buffer;
  const int status = pclose(pipe);
  if (status != 0)
    throw std::runtime_error("gnuplot failed on " + script_path + " (install gnuplot-nox): " + output);
}

std::vector<const Row*> group(const Results& results, const std::string& name) {
  std::vector<const Row*> points;
  for (const Row& r : results.rows())
    if (r.figure.group == name && r.figure.x) points.push_back(&r);
  std::sort(points.begin(), points.end(), [](const Row* a, const Row* b) { return *a->figure.x < *b->figure.x; });
  return points;
}

void plots(const Results& results, const std::string& dir) {
  auto curve = [&](const std::string& group_name, bool floor_side, const std::string& title) {
    const std::string data = dir + "/" + group_name + (floor_side ? ".floor" : "") + ".dat";
    write_curve(data, group(results, group_name), floor_side);
    return Curve{title, data};
  };
  plot(dir, "blob_map_scale", "Map one blob with N blobs live (median, min-max bars)", "blobs live", "µs", 1000,
       {curve("scale.per-blob.map", false, "vmm per-blob: RESOURCE_MAP_BLOB (guest)"),
        curve("scale.fixed.map", false, "vmm fixed: RESOURCE_MAP_BLOB (guest)"),
        curve("scale.floor.add", false, "floor: KVM add of a 2 MiB slot")});
  plot(dir, "blob_unmap_scale", "Unmap one blob with N blobs live (median, min-max bars)", "blobs live", "µs", 1000,
       {curve("scale.per-blob.unmap", false, "vmm per-blob: RESOURCE_UNMAP_BLOB (guest)"),
        curve("scale.fixed.unmap", false, "vmm fixed: RESOURCE_UNMAP_BLOB (guest)"),
        curve("scale.floor.remove", false, "floor: KVM remove of that slot")});
  plot(dir, "ram_startup", "exec -> guest's first port write as guest RAM grows", "guest RAM (MiB)", "ms", 1e6,
       {curve("ram.startup", false, "vmm"), curve("ram.startup", true, "floor")});
  plot(dir, "ram_rss", "Resident memory as guest RAM grows", "guest RAM (MiB)", "MiB", 1 << 20,
       {curve("ram.rss", false, "vmm (at the stop)"), curve("ram.rss", true, "floor (at its first port write)")});
}

}  // namespace

std::string render(const RenderInput& in, const std::string& out_dir, bool with_plots) {
  const Results results(in);
  const bool emulated = in.measurement.value("where", "").find("emulated") != std::string::npos;
  std::ostringstream md;
  md << "# vmm benchmarks\n\n"
     << "Where: " << in.measurement.value("where", "?") << (in.measurement.value("quick", false) ? " (quick run: not numbers to quote)" : "") << "\n";
  if (emulated)
    md << "\n**Under emulation (QEMU TCG): absolute times are meaningless; only the ratios to the floor, "
          "measured in the same run, say something — and TCG models no caches.**\n";
  md << "\nTSC: " << in.measurement.value("tsc_khz", 0.0) << " kHz (guest cycles -> ns). "
     << "Each cell: min / median / max. Ratio: vmm median / floor median.\n\n";

  md << "## Targets\n\n| target | limit | measured | met |\n|---|---|---|---|\n";
  nlohmann::json targets = nlohmann::json::array();
  for (const Target& t : results.targets()) {
    md << "| " << md_escape(t.what) << " | " << t.limit << " | " << md_escape(t.measured) << " | "
       << (t.met ? (*t.met ? "yes" : "**no**") : "—") << " |\n";
    targets.push_back({{"what", t.what}, {"limit", t.limit}, {"measured", t.measured},
                       {"met", t.met ? nlohmann::json(*t.met) : nlohmann::json(nullptr)}});
  }

  md << "\n## Figures\n\n| figure | unit | vmm | floor | ratio |\n|---|---|---|---|---|\n";
  nlohmann::json figures = nlohmann::json::array();
  for (const Row& r : results.rows()) {
    md << "| " << md_escape(r.figure.what) << " | " << unit_shown(r.figure.unit) << " | " << triple(r.vmm, r.figure.unit)
       << " | " << triple(r.floor, r.figure.unit) << " | " << ratio_text(r.ratio) << " |\n";
    figures.push_back({{"id", r.figure.id}, {"what", r.figure.what}, {"unit", r.figure.unit},
                       {"vmm", summary_json(r.vmm)}, {"floor", summary_json(r.floor)},
                       {"ratio", r.ratio ? nlohmann::json(*r.ratio) : nlohmann::json(nullptr)}});
  }

  nlohmann::json peer_json = nullptr;
  if (in.peer) {
    md << "\n## Against a peer: Debian's kernel to /init, same initramfs, same KVM\n\n"
       << "| machine | guest uptime at /init (s) | wall exec -> /init (s) | VMM resident memory at /init (MiB) |\n"
       << "|---|---|---|---|\n";
    peer_json = nlohmann::json::array();
    for (const PeerRow& p : peer_rows(*in.peer)) {
      md << "| " << p.machine << " | " << triple(p.uptime, "s") << " | " << triple(p.wall, "s") << " | "
         << triple(p.rss, "bytes") << " |\n";
      peer_json.push_back({{"machine", p.machine}, {"init_uptime_s", summary_json(p.uptime)},
                           {"wall_to_init_s", summary_json(p.wall)}, {"rss_bytes", summary_json(p.rss)}});
    }
    for (const auto& note : in.peer->value("notes", nlohmann::json::array())) md << "\n- " << note.get<std::string>();
    md << "\n";
  }

  nlohmann::json micro_json = nullptr;
  if (in.micro) {
    md << "\n## In-process (Google Benchmark, vmm-microbench; no KVM)\n\n| benchmark | ns per iteration (min / median / max of repetitions) |\n|---|---|\n";
    std::map<std::string, std::vector<double>> by_name;
    std::vector<std::string> order;
    for (const auto& b : in.micro->value("benchmarks", nlohmann::json::array())) {
      if (b.value("run_type", "iteration") != "iteration") continue;  // aggregates are recomputed here
      const std::string name = b.value("run_name", b.value("name", "?"));
      if (!by_name.count(name)) order.push_back(name);
      by_name[name].push_back(b.value("real_time", 0.0));
    }
    micro_json = nlohmann::json::array();
    for (const auto& name : order) {
      const Summary s = summarize(by_name[name]);
      char cell[96];
      std::snprintf(cell, sizeof cell, "%.0f / %.0f / %.0f", s.min, s.median, s.max);
      md << "| " << name << " | " << cell << " |\n";
      micro_json.push_back({{"name", name}, {"real_time_ns", summary_json(s)}});
    }
  }

  if (with_plots) {
    plots(results, out_dir);
    md << "\n## Plots\n\n![map scale](blob_map_scale.png)\n![unmap scale](blob_unmap_scale.png)\n"
       << "![start-up vs RAM](ram_startup.png)\n![resident memory vs RAM](ram_rss.png)\n";
  }

  const nlohmann::json results_json = {{"where", in.measurement.value("where", "")},
                                       {"quick", in.measurement.value("quick", false)},
                                       {"tsc_khz", in.measurement.value("tsc_khz", 0.0)},
                                       {"targets", targets}, {"figures", figures},
                                       {"peer", peer_json}, {"micro", micro_json}};
  std::ofstream(out_dir + "/results.json") << results_json.dump(2) << "\n";
  std::ofstream(out_dir + "/results.md") << md.str();
  return md.str();
}

}  // namespace bench
