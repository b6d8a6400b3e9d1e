// vmm ctl's human-readable output: the answers' data and the events as a person reads
// them (--json prints the JSON instead). Pure functions of the server's JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace vmm::control {

// "state: running\nuptime_ms: 1234\n...": one line per field.
std::string format_fields(const nlohmann::json& data);
// The live memslot table, laid out like vmm's table at exit, with the derived effective
// type where there is one ("-" for RAM, "not derived" for a device slot without one).
std::string format_slots(const nlohmann::json& data);
// One line for one {"event":...} message.
std::string format_event(const nlohmann::json& message);

}  // namespace vmm::control
