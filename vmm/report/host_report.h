// --probe-host: the host's memory-type facts and what each --noncoherent-dma policy would
// do here, as text for a terminal or JSON for a bug report. Needs /dev/kvm, not a guest.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "vmm/kvm/host_facts.h"

namespace vmm {

nlohmann::json host_report_json(const HostFacts& facts);
std::string host_report_text(const HostFacts& facts);

// Opens /dev/kvm, creates a scratch VM, probes it, and prints the report on stdout.
int run_probe_host(bool json);

}  // namespace vmm
