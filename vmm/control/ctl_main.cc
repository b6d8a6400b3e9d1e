#include "vmm/control/ctl_main.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "vmm/control/control_client.h"
#include "vmm/control/control_protocol.h"
#include "vmm/control/ctl_format.h"

namespace vmm::control {

namespace {

constexpr const char* kDescription =
    "vmm ctl: ask a running vmm (started with --control PATH) through its control socket.\n"
    "Commands:\n"
    "  status             running, paused or stopping; uptime; vCPUs; the exit reason once stopping\n"
    "  slots              the live memslot table: requested MemCacheType, what KVM was told, the\n"
    "                     effective rule and the derived effective type\n"
    "  report             the --report document as of now (JSON)\n"
    "  screenshot FILE    the scanout as a PNG, written by vmm at FILE (made absolute here)\n"
    "  pause | resume     park every vCPU outside KVM_RUN / let them run again (idempotent)\n"
    "  stop               stop the VM in order (outputs written as at any stop; exit status 0)\n"
    "  events             print every memslot event and derived type as it happens, until the VM\n"
    "                     stops or Ctrl-C\n"
    "Human-readable output by default; --json prints the answer's data (and each event) as one\n"
    "JSON line. Exit status: 0 done, 1 an error answer or no socket (one line on stderr), 2 usage.";

void print_line(const std::string& text) {
  std::fputs(text.c_str(), stdout);
  if (text.empty() || text.back() != '\n') std::fputc('\n', stdout);
  std::fflush(stdout);  // events must show as they come, also into a pipe
}

// The answer's data as a person reads it.
std::string human(const std::string& command, const nlohmann::json& data) {
  if (command == "slots") return format_slots(data);
  if (command == "report") return data.dump(2);
  if (command == "screenshot") return "screenshot written to " + data.value("path", std::string("?"));
  return format_fields(data);
}

int stream_events(ControlClient& client, bool json) {
  while (auto message = client.next()) print_line(json ? message->dump() : format_event(*message));
  return 0;  // the server went away: the VM stopped
}

}  // namespace

int ctl_main(int argc, const char* const* argv) {
  CLI::App app(kDescription, "vmm ctl");
  std::string path;
  std::string command;
  std::vector<std::string> words;
  bool json = false;
  app.add_option("PATH", path, "the socket given to vmm --control")->required();
  std::vector<std::string> names(kCommands.begin(), kCommands.end());
  app.add_option("COMMAND", command, "what to ask (see above)")->required()->check(CLI::IsMember(names));
  app.add_option("ARGS", words, "screenshot: the PNG's path");
  app.add_flag("--json", json, "print JSON lines (the answer's data, each event) for scripts");
  try {
    app.parse(argc, argv);
    if (command == "screenshot" && words.size() != 1) throw CLI::ValidationError("screenshot takes one FILE.png");
    if (command != "screenshot" && !words.empty()) throw CLI::ValidationError(command + " takes no arguments");
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "vmm ctl: %s (see vmm ctl --help)\n", e.what());
    return 2;
  }
  nlohmann::json args = nullptr;
  if (command == "screenshot") args = {{"path", std::filesystem::absolute(words.front()).string()}};
  try {
    ControlClient client = ControlClient::connect(path);
    client.send(command, args);
    auto answer = client.next();
    if (!answer) throw std::runtime_error("the server closed the connection without answering");
    if (!answer->value("ok", false)) {
      std::fprintf(stderr, "vmm ctl: %s: %s\n", answer->value("/error/code"_json_pointer, std::string("?")).c_str(),
                   answer->value("/error/reason"_json_pointer, std::string("?")).c_str());
      return 1;
    }
    const nlohmann::json data = answer->value("data", nlohmann::json::object());
    if (command == "events") {
      if (!json) std::fprintf(stderr, "vmm ctl: subscribed; events follow until the VM stops (Ctrl-C ends)\n");
      return stream_events(client, json);
    }
    print_line(json ? data.dump() : human(command, data));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vmm ctl: %s\n", e.what());
    return 1;
  }
}

}  // namespace vmm::control
