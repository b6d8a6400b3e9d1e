#include "vmm/cli/cli.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "memory/layout.h"
#include "vmm/cli/cli_validators.h"
#include "vmm/cli/size_arg.h"
#include "vmm/version.h"

namespace vmm {

namespace {

constexpr const char* kDescription =
    "vmm: a small KVM virtual machine monitor that boots an x86-64 Linux bzImage (or the\n"
    "project's tiny test guest) and reports, per memslot, what memory type was requested\n"
    "and what KVM was told.\n"
    "Guest serial console (COM1, 0x3f8) goes to stdout and reads stdin; vmm's logs go to\n"
    "stderr. Exit status: the guest's debug-exit byte (port 0x501), 0 after a guest reset\n"
    "(i8042), 1 set-up error, 2 usage error, 3 the VM failed, 159 a thread made a system\n"
    "call outside its seccomp allow-list (--seccomp).";

}  // namespace

CliResult parse_command_line(int argc, const char* const* argv) {
  Options options;
  CLI::App app(kDescription, "vmm");
  app.set_version_flag("--version", std::string("vmm ") + kVersion);
  app.set_config("--config", "",
                 "Read options from a TOML file (same names as the long options, e.g. "
                 "mem = \"512M\"); options on the command line override the file");
  app.get_config_ptr()->type_name("FILE.toml")->check(input_file_validator());
  // A misspelt key must not be silently ignored: the user would run with a default.
  app.allow_config_extras(CLI::config_extras_mode::error);

  auto* kernel = app.add_option("--kernel", options.kernel,
                                "Linux bzImage to boot (boot protocol 2.12+, 64-bit entry); "
                                "required unless --probe-host")
                     ->type_name("PATH");
  app.add_option("--initrd", options.initrd, "Initial ramdisk loaded below initrd_addr_max")
      ->type_name("PATH");
  app.add_option("--cmdline", options.cmdline, "Kernel command line")
      ->type_name("STR")
      ->capture_default_str();
  add_size_option(app, "--mem", options.mem_bytes,
                  "Guest RAM; above 3G it continues at 4G, past the MMIO hole",
                  layout::kMinRamSize, 4096);
  app.add_option("--log-level", options.log_level, "vmm's log level on stderr")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->type_name("LEVEL")
      ->capture_default_str();
  app.add_option("--cpus", options.cpus, "Number of vCPUs, one thread each; the MP table lists them")
      ->check(CLI::Range(1u, 254u))
      ->type_name("N")
      ->capture_default_str();
  app.add_flag("--memslots", options.print_memslots,
               "Print the memslot table (requested and applied memory types) to stderr after "
               "set-up and again at exit");
  app.add_option("--memslot-trace", options.memslot_trace,
                 "Write one JSON object per memslot event (add, remove, move) to FILE; removed "
                 "device slots carry an FNV-1a checksum of their memory")
      ->type_name("FILE")
      ->check(output_file_validator());

  auto* gpu = app.add_flag("--gpu", options.gpu,
                           "Add a virtio-gpu PCI device whose host-visible region (a 64-bit "
                           "BAR) receives mapped blobs as CacheNonCoherent memslots");
  add_size_option(app, "--gpu-hostmem", options.gpu_config.hostmem_size,
                  "Size of the virtio-gpu host-visible region (a power of two)", 4096, 4096)
      ->needs(gpu)
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            auto size = parse_size(text);
            if (size && (*size & (*size - 1)) != 0)
              return "size '" + text + "' is not a power of two (it becomes a whole PCI BAR)";
            return {};
          },
          ""));
  add_enum_option(app, "--gpu-renderer", options.gpu_config.renderer, kRendererKindNames, "kind",
                  "3D renderer behind the device: " + kRendererKindNames.choices() +
                      ". virgl: OpenGL contexts (capsets VIRGL, VIRGL2) on surfaceless EGL (the "
                      "host GPU's render node, else llvmpipe); venus: Vulkan contexts (capset "
                      "VENUS) on the host's Vulkan driver (else lavapipe); all: both; none "
                      "(default): no renderer, host blobs are plain memory. Blobs then map "
                      "what the renderer maps, typed by the map_info it reports")
      ->needs(gpu);
  add_size_option(app, "--gpu-renderer-memory", options.gpu_config.renderer_memory_limit,
                  "With --gpu-renderer: how much memory the guest may make the renderer hold. "
                  "3D resources, host blobs and the virgl streams' resources are charged "
                  "before they are made (beyond it: ERR_OUT_OF_MEMORY); and if vmm's anonymous "
                  "memory passes guest RAM + twice this over what it was at start, every "
                  "renderer context is destroyed",
                  VirtioGpuConfig::kMinRendererMemoryLimit, 4096)
      ->needs(gpu)
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            auto size = parse_size(text);
            if (size && *size > VirtioGpuConfig::kMaxRendererMemoryLimit)
              return "size '" + text + "' is above the maximum of " +
                     format_size(VirtioGpuConfig::kMaxRendererMemoryLimit);
            return {};
          },
          ""));
  add_enum_option(app, "--gpu-blob-cache", options.gpu_config.blob_cache, kBlobCacheModeNames, "mode",
                  "map_info reported for host-memory blobs, i.e. how the guest maps them: " +
                      kBlobCacheModeNames.choices() +
                      ". auto (default): the renderer's answer for each blob (cached when it "
                      "gives none), wc without a renderer (what GPUs report for device memory); "
                      "the others override it. Only cached blobs become CacheCoherent memslots")
      ->needs(gpu);
  add_enum_option(app, "--gpu-blob-mapping", options.gpu_config.mapping, kBlobMappingModeNames, "mode",
                  "How blobs enter the host-visible region: " + kBlobMappingModeNames.choices() +
                      ". per-blob: one memslot per mapped blob; fixed: the whole region is one "
                      "CacheNonCoherent memslot at the first map and blobs are mmap'd into it, "
                      "as crosvm's fixed blob mapping does")
      ->needs(gpu);
  add_enum_option(app, "--gpu-memslot-cache", options.gpu_config.memslot_cache,
                  kMemslotCacheOverrideNames, "mode",
                  "MemCacheType requested for blob memslots: " + kMemslotCacheOverrideNames.choices() +
                      " (or the short forms coherent, noncoherent). auto follows each blob's "
                      "map_info; forcing a type reproduces memory-type bugs (CacheCoherent with "
                      "wc blobs is the classic 'guest maps WC, KVM forces WB')")
      ->needs(gpu);
  app.add_option("--gpu-screenshot", options.gpu_screenshot,
                 "Write the scanout as a PNG to FILE when the VM stops")
      ->type_name("FILE")
      ->check(output_file_validator())
      ->needs(gpu);
  auto* no_dtb = app.add_flag_callback(
      "--no-dtb", [&options] { options.dtb = false; },
      "Do not hand the guest a device tree (by default vmm passes one as a SETUP_DTB "
      "setup_data entry)");
  app.add_option("--dump-dtb", options.dump_dtb,
                 "Write the exact device tree blob given to the guest to FILE (decompile with "
                 "dtc -I dtb -O dts)")
      ->type_name("FILE")
      ->check(output_file_validator())
      ->excludes(no_dtb);
  app.add_option("--report", options.report,
                 "Write a JSON report when the VM stops: host facts, memtype policy, every "
                 "memslot (requested, applied, effective rule) and the tiny guest's memtype "
                 "probe results")
      ->type_name("FILE.json")
      ->check(output_file_validator());
  app.add_option("--control", options.control,
                 "Serve a control socket at PATH (owner-only; removed at exit) for vmm ctl PATH "
                 "status|slots|report|screenshot|pause|resume|stop|events, or any client speaking "
                 "its JSON-lines protocol (vmm/control/PROTOCOL.md). PATH must not exist, or be a "
                 "stale socket nobody listens on")
      ->type_name("PATH");
  add_enum_option(app, "--noncoherent-dma", options.noncoherent_dma, kNonCoherentDmaModeNames, "mode",
                  "How CacheNonCoherent memslots (GPU blobs) are honoured: " +
                      kNonCoherentDmaModeNames.choices() +
                      ". auto: the per-slot flag where KVM accepts it, else the VM-wide "
                      "IGNORE_GUEST_PAT quirk on Intel, else AMD's NPT. A forced mode this host "
                      "cannot do is a start-up error");
  app.add_flag("--require-noncoherent", options.require_noncoherent,
               "Refuse to start when CacheNonCoherent cannot be honoured on this host");
  add_enum_option(app, "--derive-memtype", options.derive_memtype, kDeriveModeNames, "mode",
                  "When vmm derives the memory type the guest really gets for device memory, "
                  "from the guest's page tables, PAT, MTRRs and KVM's own entries: " +
                      kDeriveModeNames.choices() +
                      ". first-touch: a blob's memslot reaches KVM at the guest's first access, "
                      "where the accessing process's page tables are walked (one extra exit per "
                      "blob), and again at the stop; stop: only at the stop; off: never");
  add_enum_option(app, "--seccomp", options.seccomp, kSeccompModeNames, "mode",
                  "Confine vmm's threads to the system calls they need once the machine is "
                  "assembled: " + kSeccompModeNames.choices() +
                      ". enforce: a call off the list stops vmm with one line naming the thread "
                      "and the call, exit status 159; log: such calls run and the kernel logs "
                      "them (dmesg, audit type=1326 syscall=NR); off: no confinement (a warning)");
  auto* probe = app.add_flag("--probe-host", options.probe_host,
                             "Print this host's memory-type facts and what each --noncoherent-dma "
                             "mode would do, then exit (no guest)");
  app.add_flag("--json", options.json, "With --probe-host: print JSON")->needs(probe);
  kernel->excludes(probe);

  try {
    app.parse(argc, argv);
    if (!options.probe_host && options.kernel.empty())
      throw CLI::RequiredError("--kernel");
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version: printed on stdout, exit 0
  } catch (const CLI::ConfigError& e) {
    // CLI11 says "INI was not able to parse KEY" for a key no option has, or a line that is
    // not TOML; name the file and what to look for instead.
    std::string what = e.what();
    const std::string prefix = "INI was not able to parse ";
    if (what.rfind(prefix, 0) == 0)
      what = "unknown key or malformed line '" + what.substr(prefix.size()) + "'";
    std::fprintf(stderr, "vmm: --config: %s (keys are the long option names; see vmm --help)\n",
                 what.c_str());
    return 2;
  } catch (const CLI::ParseError& e) {
    // One line, like every other refusal of the user's input (CLI11 would add a second).
    std::fprintf(stderr, "vmm: %s (see vmm --help)\n", e.what());
    return 2;
  }
  return options;
}

}  // namespace vmm
