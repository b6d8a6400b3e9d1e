#include "vmm/selftest/self_test.h"

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "vmm/kvm/host_probe.h"
#include "vmm/kvm/kvm_probe_target.h"
#include "vmm/kvm/kvm_system.h"
#include "vmm/kvm/kvm_vm.h"
#include "vmm/selftest/guest_locator.h"
#include "vmm/selftest/self_test_screen.h"
#include "vmm/version.h"

namespace vmm {

namespace {

namespace fs = std::filesystem;

// A whole boot of the tiny guest, GPU checks and memtype probe included, takes well under
// a second natively and 1-4 s in an emulated KVM host; this is for a loaded machine.
constexpr std::chrono::seconds kGuestTimeout{240};

// The tiny guest's command line: its GPU checks and memtype probe, ended by vmmtest.end=K
// where K is that token's own offset, so the guest can tell the line arrived whole.
std::string guest_cmdline() {
  const std::string head = "console=ttyS0 vmmtest.gpu=1 vmmtest.memtype=1 ";
  return head + "vmmtest.end=" + std::to_string(head.size());
}

// "blob-wc: derived WC, the rule predicts WC" for each probed mapping in the child's report.
std::vector<std::string> derived_lines(const fs::path& report_path) {
  std::vector<std::string> lines;
  std::ifstream in(report_path);
  const auto report = nlohmann::json::parse(in, nullptr, false);
  if (report.is_discarded() || !report.contains("guest_probe")) return lines;
  const auto& mappings = report["guest_probe"].value("mappings", nlohmann::json::array());
  for (const auto& m : mappings) {
    if (!m.contains("derived") || !m["derived"].is_object()) continue;
    const auto& d = m["derived"];
    std::string text = m.value("mapping", "?") + ": derived " +
                       (d["effective"].is_string() ? d["effective"].get<std::string>() : "unknown");
    if (m.contains("predicted") && m["predicted"].is_string())
      text += ", the rule predicts " + m["predicted"].get<std::string>();
    if (m.contains("agrees") && m["agrees"].is_boolean())
      text += m["agrees"].get<bool>() ? " (agree)" : " (DISAGREEMENT)";
    lines.push_back(text);
  }
  return lines;
}

GuestBoot boot_guest(const std::string& image) {
  GuestBoot boot;
  boot.image = image;
  std::string dir_template = (fs::temp_directory_path() / "vmm-self-test.XXXXXX").string();
  if (!::mkdtemp(dir_template.data())) {
    boot.run.error = "cannot make a temporary directory under " + fs::temp_directory_path().string();
    return boot;
  }
  const fs::path dir = dir_template;
  const fs::path report = dir / "report.json";
  boot.run = run_child({own_executable(), "--kernel", image, "--mem", "256M", "--gpu", "--gpu-hostmem", "16M",
                        "--cmdline", guest_cmdline(), "--report", report.string()},
                       kGuestTimeout);
  boot.checks = read_guest_checks(boot.run.out);
  boot.derived = derived_lines(report);
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return boot;
}

}  // namespace

int run_self_test(const Options& options) {
  std::string screen = std::string("vmm self-test (vmm ") + kVersion + ")\n\n";
  auto finish = [&screen](bool ok, const std::string& why) {
    // Two appends, not "\n" + result_line(): GCC 12 at -O3 (a Release build) warns, wrongly,
    // that the operator+ overload's memcpy may overlap (-Wrestrict, GCC bug 105329).
    screen += '\n';
    screen += result_line(ok, why);
    std::fputs(screen.c_str(), stdout);
    std::fflush(stdout);
    return ok ? 0 : 1;
  };

  const HostEnvironment env = read_host_environment(read_host_cpu());
  screen += kvm_lines(env);
  if (!missing_kvm_message(env).empty()) {
    screen += "memory types  not known: they are KVM's answers\n";
    screen += "guest         not booted: no KVM\n";
    return finish(false, "no usable KVM on this machine (see KVM above)");
  }
  try {
    KvmSystem kvm = KvmSystem::open();
    KvmVm vm = kvm.create_vm();
    KvmVmProbeTarget target(vm);
    screen += memtype_lines(probe_host(target, env.cpu, kvm_flavour(env), kvm_uses_tdp(env)));
  } catch (const std::exception& e) {
    screen += "memory types  not known: " + std::string(e.what()) + "\n";
    return finish(false, "KVM refused the probe's scratch VM");
  }

  std::string image;
  if (options.self_test_guest) {
    image = *options.self_test_guest;
  } else if (auto found = find_tiny_guest(own_executable())) {
    image = *found;
  } else {
    std::string looked;
    for (const auto& c : tiny_guest_candidates(own_executable())) looked += (looked.empty() ? "" : ", ") + c;
    screen += "guest         not found: looked at " + looked + " (--self-test-guest PATH names one)\n";
    return finish(false, "no tiny guest to boot");
  }
  const GuestBoot boot = boot_guest(image);
  screen += guest_lines(boot);
  if (!boot.ok()) return finish(false, "the tiny guest did not boot and pass its checks here");
  return finish(true, "vmm boots guests here (vmm --probe-host has the memory-type details)");
}

}  // namespace vmm
