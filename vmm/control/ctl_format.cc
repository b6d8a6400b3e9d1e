#include "vmm/control/ctl_format.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <vector>

namespace vmm::control {

namespace {

using nlohmann::json;

std::string text(const json& object, const char* key, const char* missing = "-") {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return missing;
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::uint64_t number(const json& object, const char* key) {
  const std::string hex = text(object, key, "0");
  return std::strtoull(hex.c_str(), nullptr, 0);
}

std::string range(const json& slot) {
  const std::uint64_t start = number(slot, "guest_addr");
  const std::uint64_t size = number(slot, "size");
  char out[64];
  std::snprintf(out, sizeof out, "0x%016" PRIx64 "-0x%016" PRIx64, start, start + size - 1);
  return out;
}

std::string derived(const json& slot) {
  if (auto it = slot.find("derived"); it != slot.end())
    return text(*it, "effective") + " (" + text(*it, "moment") + ")";
  if (slot.contains("pending")) return "pending first touch";
  return text(slot, "owner").rfind("ram", 0) == 0 ? "-" : "not derived";
}

}  // namespace

std::string format_fields(const json& data) {
  std::string out;
  for (const auto& [key, value] : data.items()) out += key + ": " + (value.is_string() ? value.get<std::string>() : value.dump()) + "\n";
  return out;
}

std::string format_slots(const json& data) {
  // Columns as wide as their widest cell (owners such as "gpu-blob 401408" vary), the last
  // one unpadded.
  std::vector<std::vector<std::string>> rows = {{"slot", "guest physical range", "size", "owner", "requested",
                                                 "applied flags", "effective rule", "derived"}};
  const json slots = data.value("slots", json::array());
  for (const auto& slot : slots)
    rows.push_back({text(slot, "slot"), range(slot), text(slot, "size"), text(slot, "owner"), text(slot, "requested"),
                    text(slot, "applied"), text(slot, "rule"), derived(slot)});
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  std::string out;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out += "\n";
  }
  if (slots.empty()) out += "(no memslots)\n";
  if (data.contains("state")) out += "(vm " + text(data, "state") + ")\n";
  return out;
}

std::string format_event(const json& message) {
  const std::string name = text(message, "event");
  if (name == "dropped") return "dropped " + text(message, "count") + " events (this client read too slowly)";
  if (name != "memslot") return message.dump();
  const json data = message.value("data", json::object());
  const std::string kind = text(data, "event");
  std::string out = kind + " slot " + text(data, "slot") + " " + range(data) + " " + text(data, "owner");
  if (kind == "derive") return out + " effective " + text(data, "effective") + " (" + text(data, "moment") + ")";
  out += " requested " + text(data, "requested") + " applied " + text(data, "applied");
  if (data.contains("map_info")) out += " map_info " + text(data, "map_info");
  if (data.contains("pending")) out += " (pending first touch)";
  if (data.contains("reason")) out += ": " + text(data, "reason");
  return out;
}

}  // namespace vmm::control
