// What a guest can do to vmm that a well-behaved driver never does, run for real: free blob
// memory that was mapped (RESOURCE_UNREF after MAP/UNMAP, a device reset while mapped) with
// --report and --memslot-trace on; and the user closing vmm's stdout under a running guest.
// vmm must keep running, stop in order, and report what happened truthfully.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <map>
#include <regex>
#include <string>

#include "tests/integration/guest_boot.h"
#include "tests/integration/memslot_trace.h"
#include "tests/integration/test_env.h"

namespace vmm::test {
namespace {

class HostileGuestBoot : public TinyGuestBoot {};

std::string field(const std::string& detail, const std::string& key) {
  std::smatch m;
  const std::regex re(key + "=(0x[0-9a-f]+)");
  return std::regex_search(detail, m, re) ? m[1].str() : std::string();
}

// The fnv1a of each removed gpu-blob slot, by owner ("gpu-blob 5").
std::map<std::string, std::string> removal_checksums(const nlohmann::json& events) {
  std::map<std::string, std::string> sums;
  for (const auto& e : events)
    if (e.at("event") == "remove" && e.contains("fnv1a"))
      sums[e.at("owner").get<std::string>()] = e.at("fnv1a").get<std::string>();
  return sums;
}

std::string as_fnv(const std::string& guest_hex) {  // the guest prints 0x%08x, vmm 0x%x
  return "0x" + [&] {
    std::string digits = guest_hex.substr(2);
    digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size() - 1));
    return digits;
  }();
}

TEST_F(HostileGuestBoot, FreeingMappedBlobsKeepsVmmRunningAndTheReportTruthful) {
  const std::uint8_t nothing[] = {0};
  TempFile report("report.json", std::span<const std::uint8_t>(nothing, 0));
  TempFile trace("trace.jsonl", std::span<const std::uint8_t>(nothing, 0));
  const Boot b = boot({"--kernel", kTinyGuestImage, "--mem", "128M", "--gpu", "--gpu-hostmem", "16M",
                       "--report", report.path(), "--memslot-trace", trace.path(), "--cmdline",
                       guest_cmdline({"vmmtest.gpu=1", "vmmtest.free_mapped=1"})});
  std::vector<std::string> checks = kBaseChecks;
  checks.insert(checks.end(), kGpuChecks.begin(), kGpuChecks.end());
  checks.push_back("gpu.free_mapped");
  expect_all_passed(b, checks);  // exit status 0: no crash when the report was written

  const std::string detail = b.report.detail("gpu.free_mapped");
  const std::string unref_fnv = field(detail, "unref_fnv"), reset_fnv = field(detail, "reset_fnv");
  ASSERT_FALSE(unref_fnv.empty() || reset_fnv.empty()) << detail;

  const auto bytes = read_file(report.path());
  const auto doc = nlohmann::json::parse(bytes.begin(), bytes.end());
  const auto in_report = removal_checksums(doc.at("memslots").at("events"));
  EXPECT_EQ(in_report.count("gpu-blob 5") ? in_report.at("gpu-blob 5") : "none", as_fnv(unref_fnv))
      << "blob freed by RESOURCE_UNREF after UNMAP_BLOB";
  EXPECT_EQ(in_report.count("gpu-blob 6") ? in_report.at("gpu-blob 6") : "none", as_fnv(reset_fnv))
      << "blob freed by a device reset while mapped";

  const auto trace_bytes = read_file(trace.path());
  nlohmann::json trace_events = nlohmann::json::array();
  std::string line;
  for (char c : trace_bytes) {
    if (c != '\n') { line += c; continue; }
    trace_events.push_back(nlohmann::json::parse(line));
    line.clear();
  }
  EXPECT_EQ(removal_checksums(trace_events), in_report) << "trace and report agree";
}

// `vmm ... | head -c 1`: the reader goes away after one byte. vmm must not die of SIGPIPE
// half-way; it stops the VM, writes its report and exits 141 (128 + SIGPIPE).
TEST_F(HostileGuestBoot, ClosedStdoutStopsTheVmInOrder) {
  const std::uint8_t nothing[] = {0};
  TempFile report("report.json", std::span<const std::uint8_t>(nothing, 0));
  TempFile err("stderr.txt", std::span<const std::uint8_t>(nothing, 0));
  TempFile status("status.txt", std::span<const std::uint8_t>(nothing, 0));
  const std::string script =
      "(\"$0\" \"$@\" 2>'" + err.path() + "'; echo $? >'" + status.path() + "') | head -c 1 >/dev/null";
  const ProcessResult run = run_process({"/bin/sh", "-c", script, kVmmBinary, "--kernel", kTinyGuestImage,
                                         "--mem", "64M", "--report", report.path()},
                                        kVmmWatchdog);
  ASSERT_TRUE(run.exited && run.exit_code == 0) << run.describe();
  const auto status_bytes = read_file(status.path());
  EXPECT_EQ(std::string(status_bytes.begin(), status_bytes.end()), "141\n");
  const auto err_bytes = read_file(err.path());
  const std::string stderr_text(err_bytes.begin(), err_bytes.end());
  EXPECT_NE(stderr_text.find("stdout is closed"), std::string::npos) << stderr_text;
  const auto bytes = read_file(report.path());
  const auto doc = nlohmann::json::parse(bytes.begin(), bytes.end());
  EXPECT_EQ(doc.at("stop").at("exit_status"), 141) << "the report was written after the stop";
}

}  // namespace
}  // namespace vmm::test
