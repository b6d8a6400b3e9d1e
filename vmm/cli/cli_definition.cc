#include "vmm/cli/cli_definition.h"

#include "memory/layout.h"
#include "vmm/cli/cli_validators.h"
#include "vmm/cli/help_formatter.h"
#include "vmm/cli/size_arg.h"
#include "vmm/version.h"

namespace vmm {

const char* const kCommandLineDescription =
    "vmm: a small KVM virtual machine monitor. It boots an x86-64 bzImage and says,\n"
    "for each memslot, what memory type was requested, what KVM was told and what the\n"
    "guest really gets. The guest console is stdout and stdin; vmm logs to stderr.";

namespace {

using namespace option_group;

CLI::Validator power_of_two_size() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        auto size = parse_size(text);
        if (size && (*size & (*size - 1)) != 0)
          return "size '" + text + "' is not a power of two (it becomes a whole PCI BAR)";
        return {};
      },
      "");
}

CLI::Validator at_most(std::uint64_t maximum) {
  return CLI::Validator(
      [maximum](std::string& text) -> std::string {
        auto size = parse_size(text);
        if (size && *size > maximum)
          return "size '" + text + "' is above the maximum of " + format_size(maximum);
        return {};
      },
      "");
}

void define_general(CLI::App& app, OptionDocs& docs) {
  docs.add(app.get_help_ptr()->description("Print this help and exit")->group(kGeneral),
           "Prints the options by group, one line each, and exits with status 0. This page has "
           "the details.");
  docs.add(app.set_version_flag("--version", std::string("vmm ") + kVersion)
               ->description("Print vmm's version and exit")
               ->group(kGeneral),
           "Prints `vmm` and its version on stdout and exits with status 0.");
  app.set_config("--config", "", "Read options from a TOML file");
  // A misspelt key must not be silently ignored: the user would run with a default.
  app.allow_config_extras(CLI::config_extras_mode::error);
  docs.add(app.get_config_ptr()->type_name("FILE.toml")->check(input_file_validator())->group(kGeneral),
           "Reads the same options from a TOML file: each key is a long option's name without "
           "the dashes (`mem = \"512M\"`, `gpu = true`, `seccomp = \"log\"`). The command line "
           "overrides the file. An unknown key or a value of the wrong type is a usage error "
           "(exit status 2). Enumerated values take their names in any letter case, here as on "
           "the command line. The presets in *configs/* (installed under "
           "*/usr/share/vmm/configs*) are examples.");
}

// The options others refer to (needs, excludes).
struct Anchors {
  CLI::Option* kernel = nullptr;
  CLI::Option* no_dtb = nullptr;
  CLI::Option* gpu = nullptr;
};

void define_machine(CLI::App& app, Options& options, OptionDocs& docs, Anchors& anchors) {
  anchors.kernel = docs.add(
      app.add_option("--kernel", options.kernel, "bzImage to boot")->type_name("PATH")->group(kMachine),
      "The Linux bzImage to boot: boot protocol 2.12 or newer with the 64-bit entry point "
      "(`XLF_KERNEL_64`). It is loaded at 1 MiB and entered in long mode at +0x200. Required, "
      "unless `--probe-host` or `--self-test` is given.");
  docs.add(app.add_option("--initrd", options.initrd, "Initial ramdisk")->type_name("PATH")->group(kMachine),
           "An initial ramdisk, placed page-aligned as high as the kernel's `initrd_addr_max` "
           "and guest RAM allow.");
  docs.add(app.add_option("--cmdline", options.cmdline, "Kernel command line")
               ->type_name("STR")
               ->capture_default_str()
               ->group(kMachine),
           "The kernel command line. Longer than the kernel's `cmdline_size` is an error, "
           "never truncated.");
  docs.add(add_size_option(app, "--mem", options.mem_bytes, "Guest RAM", layout::kMinRamSize, 4096)
               ->group(kMachine),
           "Guest RAM, with an optional binary suffix `K`, `M`, `G` or `T` (`MiB` and `MB` are "
           "accepted too): at least 16M, a multiple of 4K. RAM above 3 GiB continues at 4 GiB, "
           "past the MMIO hole.");
  docs.add(app.add_option("--cpus", options.cpus, "vCPUs, one thread each")
               // The range is in the details; without a description CLI11 leaves it out of the type
               // name, so --help keeps one short line (the check and its message are the same).
               ->check(CLI::Range(1u, 254u).description(""))
               ->type_name("N")
               ->capture_default_str()
               ->group(kMachine),
           "The number of vCPUs, 1 to 254 and at most what KVM allows; each runs on a thread of "
           "its own and is listed in the MP table.");
  anchors.no_dtb = docs.add(
      app.add_flag_callback("--no-dtb", [&options] { options.dtb = false; }, "Hand the guest no device tree")
          ->group(kMachine),
      "By default the guest gets a device tree describing the machine (memory, CPUs, the PCI "
      "host bridge, the GPU's host-visible window, the memslots) as a `SETUP_DTB` setup_data "
      "entry. Debian's amd64 kernel ignores it; this leaves it out for a kernel that would "
      "misread it.");
}

void define_gpu(CLI::App& app, Options& options, OptionDocs& docs, Anchors& anchors) {
  auto* gpu = anchors.gpu = docs.add(app.add_flag("--gpu", options.gpu, "Add a virtio-gpu device")->group(kGpu),
                       "Adds a modern virtio-gpu PCI device at 00:01.0 with a host-visible "
                       "shared-memory region (a 64-bit prefetchable BAR) into which mapped "
                       "blobs go as memslots of their own.");
  docs.add(add_size_option(app, "--gpu-hostmem", options.gpu_config.hostmem_size,
                           "Its host-visible region", 4096, 4096)
               ->needs(gpu)
               ->check(power_of_two_size())
               ->group(kGpu),
           "The size of the host-visible region, a power of two: it is a whole 64-bit "
           "prefetchable BAR.");
  docs.add(add_enum_option(app, "--gpu-renderer", options.gpu_config.renderer, kRendererKindNames, "kind",
                           "3D renderer")
               ->needs(gpu)
               ->group(kGpu),
           "The 3D renderer behind the device: " + kRendererKindNames.choices() +
               ". `none`: no renderer; host blobs are plain memfds. `virgl`: OpenGL contexts "
               "(capsets VIRGL, VIRGL2) through virglrenderer on surfaceless EGL: the host GPU's "
               "render node, else llvmpipe. `venus`: Vulkan contexts (capset VENUS) on the "
               "host's Vulkan driver, else lavapipe. `all`: both. Blobs then map what the "
               "renderer maps, typed by the `map_info` it reports. What it runs on is printed at "
               "start-up (`gpu renderer: ...`): the renderer root's virglrenderer 1.3.0 in "
               "`vmm-gpu-process` where set-up fetched it (`scripts/renderer-root`), else the "
               "system's libvirglrenderer.so.1 in vmm, loaded only when a renderer is asked for.");
  docs.add(add_size_option(app, "--gpu-renderer-memory", options.gpu_config.renderer_memory_limit,
                           "Renderer memory the guest may use", VirtioGpuConfig::kMinRendererMemoryLimit, 4096)
               ->needs(gpu)
               ->check(at_most(VirtioGpuConfig::kMaxRendererMemoryLimit))
               ->group(kGpu),
           "With `--gpu-renderer`: how much memory the guest may make the renderer hold, 64M to "
           "64G. 3D resources, host blobs and the virgl streams' resources are charged before "
           "they are made (beyond the limit: `ERR_OUT_OF_MEMORY`); and if vmm's anonymous "
           "memory passes what it was at start + guest RAM + twice this, every renderer context "
           "is destroyed.");
  docs.add(add_enum_option(app, "--gpu-blob-mapping", options.gpu_config.mapping, kBlobMappingModeNames,
                           "mode", "Slot per blob, or one region")
               ->needs(gpu)
               ->group(kGpu),
           "How blobs enter the host-visible region: " + kBlobMappingModeNames.choices() +
               ". `per-blob`: one memslot per mapped blob. `fixed` (not with a renderer, whose "
               "blobs have no fd to `mmap` again): the whole region becomes one "
               "`CacheNonCoherent` memslot at the first map and blobs are `mmap`ed into it, as "
               "crosvm's fixed blob mapping does; a blob asking for another MemCacheType is then "
               "refused with `ERR_INVALID_PARAMETER`, and the trace and report say why.");
  docs.add(app.add_option("--gpu-screenshot", options.gpu_screenshot, "Save the scanout as a PNG at the stop")
               ->type_name("FILE")
               ->check(output_file_validator())
               ->needs(gpu)
               ->group(kGpu),
           "Writes the scanout as a PNG to FILE when the VM stops (also after Ctrl-C). A 3D "
           "scanout's pixels are the renderer's, read back at each `RESOURCE_FLUSH`.");
}

void define_memory_types(CLI::App& app, Options& options, OptionDocs& docs, const Anchors& anchors) {
  docs.add(add_enum_option(app, "--gpu-blob-cache", options.gpu_config.blob_cache, kBlobCacheModeNames,
                           "mode", "How the guest maps blobs")
               ->needs(anchors.gpu)
               ->group(kMemoryTypes),
           "The `map_info` reported for host-memory blobs, i.e. how the guest maps them: " +
               kBlobCacheModeNames.choices() +
               ". `auto`: the renderer's answer for each blob (`cached` when it gives none), "
               "`wc` without a renderer (what GPUs report for device memory). The others "
               "override the renderer, and the trace's `map_info_from` then says "
               "`--gpu-blob-cache`. Only `cached` blobs become `CacheCoherent` memslots.");
  docs.add(add_enum_option(app, "--gpu-memslot-cache", options.gpu_config.memslot_cache,
                           kMemslotCacheOverrideNames, "mode", "Force blob slots' MemCacheType")
               ->needs(anchors.gpu)
               ->group(kMemoryTypes),
           "The MemCacheType requested for blob memslots: " + kMemslotCacheOverrideNames.choices() +
               " (or the short forms `coherent`, `noncoherent`). `auto` follows each blob's "
               "`map_info`; a forced type applies regardless, to reproduce memory-type bugs: "
               "`CacheCoherent` with `wc` blobs is the classic *guest maps WC, KVM forces WB*.");
  docs.add(add_enum_option(app, "--noncoherent-dma", options.noncoherent_dma, kNonCoherentDmaModeNames,
                           "mode", "How CacheNonCoherent is honoured")
               ->group(kMemoryTypes),
           "How `CacheNonCoherent` memslots (GPU blobs) are carried out: " +
               kNonCoherentDmaModeNames.choices() +
               ". `auto`: the per-slot flag `KVM_MEM_NON_COHERENT_DMA` where KVM accepts it, "
               "else on Intel VMX with self-snoop the VM-wide `IGNORE_GUEST_PAT` quirk disabled "
               "(guest PAT then counts for RAM too), else AMD's NPT, which always combines the "
               "guest's PAT. `slot-flag`, `vm-quirk`: that mechanism or a start-up error naming "
               "what is missing, never a silent fallback. `off`: KVM is told nothing. "
               "`vmm --probe-host` shows what each mode would do on this host.");
  docs.add(app.add_flag("--require-noncoherent", options.require_noncoherent,
                        "Refuse hosts that cannot honour it")
               ->group(kMemoryTypes),
           "Refuses to start (exit status 1) when `CacheNonCoherent` cannot be honoured on this "
           "host.");
  docs.add(add_enum_option(app, "--derive-memtype", options.derive_memtype, kDeriveModeNames, "mode",
                           "When to derive the type")
               ->group(kMemoryTypes),
           "When vmm derives the memory type the guest really gets for device memory, from the "
           "guest's page tables, PAT and MTRRs and KVM's own second-level entries (the "
           "`kvmmmu:kvm_mmu_set_spte` tracepoint, where tracefs can be read): " +
               kDeriveModeNames.choices() +
               ". `first-touch`: a blob's memslot reaches KVM at the guest's first access, where "
               "the accessing process's page tables are walked (one extra exit per mapped blob), "
               "and again at the stop. `stop`: only at the stop. `off`: never.");
}

void define_output(CLI::App& app, Options& options, OptionDocs& docs, const Anchors& anchors) {
  docs.add(app.add_flag("--memslots", options.print_memslots, "Print the memslot table on stderr")
               ->group(kOutput),
           "Prints the memslot table (slot, guest range, size, owner, requested MemCacheType, "
           "applied KVM flags, effective rule) on stderr after set-up and again at exit, then "
           "with the derived effective type of each device slot still live.");
  docs.add(app.add_option("--memslot-trace", options.memslot_trace, "One JSON line per memslot event")
               ->type_name("FILE")
               ->check(output_file_validator())
               ->group(kOutput),
           "Writes one JSON object per line for every memslot event (`add`, `remove`, `move`, "
           "`install` when a slot added `\"pending\": \"first touch\"` reaches KVM, and `refuse` "
           "for a request a device turned down, with its `reason`) and every derived memory type "
           "(`derive`). Every slot carries a `serial` that is never reused; a removed device "
           "slot carries `fnv1a`, a checksum of its memory at removal; a blob slot carries why "
           "it has its type (`map_info`, `map_info_from`, `renderer_map_info`, "
           "`cache_decided_by`) and, for a renderer's blob, `renderer_context`: the capset of the "
           "context that made it (`VIRGL`, `VIRGL2`, `VENUS`); every change carries `t_ns` (CLOCK_MONOTONIC when the table was "
           "asked) and `took_ns` (until KVM had it: the slot live, gone or moved), of which "
           "`kvm_ns` was the ioctl itself. At most 65536 lines; then a last line "
           "`{\"event\":\"dropped\",\"count\":N}`.");
  docs.add(app.add_option("--report", options.report, "Write a JSON report when the VM stops")
               ->type_name("FILE.json")
               ->check(output_file_validator())
               ->group(kOutput),
           "Writes a JSON document when the VM stops: host facts, policy, every memslot event "
           "and the table at exit, `derived_memtypes` (every derivation, with KVM's side as of "
           "the stop), the tiny guest's memtype probe results set beside the rule's prediction "
           "and the derivation (a `verdict` naming any `DISAGREEMENT`), vmm's start-up "
           "`timeline` (CLOCK_MONOTONIC ns: `main_entered_ns`, `assembled_ns`, "
           "`first_port_write_ns`) and its `resident_memory` at the stop (total, guest RAM, "
           "guest device memory, and vmm's own: file-backed and anonymous), and with a renderer "
           "`gpu_renderer` (what it runs on, capsets, the `map_info` it reported for the blobs "
           "it mapped against what the guest was told, fences, refusals); `complete` and "
           "`missing` say what is absent.");
  docs.add(app.add_option("--dump-dtb", options.dump_dtb, "Write the guest's device tree to FILE")
               ->type_name("FILE")
               ->check(output_file_validator())
               ->excludes(anchors.no_dtb)
               ->group(kOutput),
           "Writes the exact device tree blob handed to the guest; `dtc -I dtb -O dts FILE` "
           "decompiles it.");
  docs.add(app.add_option("--log-level", options.log_level, "vmm's own log on stderr")
               ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}).description(""))
               ->type_name("LEVEL")
               ->capture_default_str()
               ->group(kOutput),
           "The level of vmm's own log on stderr: `trace`, `debug`, `info`, `warn`, `error` or "
           "`off`. Lines a guest can cause are rate-limited (10 per 5 s per call site).");
  docs.add(app.add_option("--control", options.control, "Serve a control socket at PATH")
               ->type_name("PATH")
               ->group(kOutput),
           "Serves a control socket at PATH (owner-only; removed at exit) for `vmm ctl PATH "
           "status|slots|report|screenshot|pause|resume|stop|events`, or any client speaking its "
           "JSON-lines protocol (vmm/control/PROTOCOL.md in the source). PATH must not exist, or "
           "be a stale socket nobody listens on.");
}

void define_security(CLI::App& app, Options& options, OptionDocs& docs) {
  docs.add(add_enum_option(app, "--seccomp", options.seccomp, kSeccompModeNames, "mode",
                           "Confine vmm's threads")
               ->group(kSecurity),
           "Once the machine is assembled, confines each of vmm's threads to the system calls it "
           "needs: " + kSeccompModeNames.choices() +
               ". `enforce`: a call off the thread's list is not carried out; vmm prints one "
               "line naming the thread and the call and exits with status 159. `log`: such calls "
               "run and the kernel logs them (`dmesg`: audit type=1326 syscall=NR), for finding "
               "what a new code path needs. `off`: no confinement (a warning says so).");
}

void define_host_checks(CLI::App& app, Options& options, OptionDocs& docs, const Anchors& anchors) {
  auto* probe = docs.add(
      app.add_flag("--probe-host", options.probe_host, "Print this host's memory-type facts")->group(kHost),
      "Prints what this machine offers (`/dev/kvm`, the KVM modules, VMX or SVM, whether the "
      "kernel runs under a hypervisor or the CPU is emulated), then this host's memory-type "
      "facts (second-level paging, self-snoop, the `KVM_MEM_NON_COHERENT_DMA` slot flag, the "
      "`IGNORE_GUEST_PAT` quirk) and what each `--noncoherent-dma` mode would do, and exits. "
      "Boots no guest. Without a usable `/dev/kvm` it prints the machine part and exits 1.");
  docs.add(app.add_flag("--json", options.json, "With --probe-host: as JSON")->needs(probe)->group(kHost),
           "Prints `--probe-host`'s report as one JSON document.");
  auto* self_test = docs.add(
      app.add_flag("--self-test", options.self_test, "Boot the tiny guest; say what works here")
          ->group(kHost),
      "The first thing to run on a new machine. Says where KVM comes from here (native VMX or "
      "SVM, PVM, or none and what is missing), what this host can do for memory types (the "
      "`--probe-host` facts, in short), then boots the tiny test guest with a virtio-gpu device "
      "in a child `vmm` and says whether it booted and its checks passed. Exits 0 when they "
      "did, 1 when there is no KVM or the guest's checks failed. The guest is "
      "*../share/vmm/tiny-guest.bzImage* beside the executable (installed), else the build "
      "tree's.");
  docs.add(app.add_option("--self-test-guest", options.self_test_guest, "The guest --self-test boots")
               ->type_name("PATH")
               ->check(input_file_validator())
               ->needs(self_test)
               ->group(kHost),
           "Boots this bzImage instead of the installed tiny guest; it must be the project's "
           "tiny guest (its `TEST` lines are what is checked).");
  anchors.kernel->excludes(probe);
  anchors.kernel->excludes(self_test);
  self_test->excludes(probe);
}

}  // namespace

void define_command_line(CLI::App& app, Options& options, OptionDocs& docs) {
  app.description(kCommandLineDescription);
  app.formatter(std::make_shared<HelpFormatter>());
  app.footer("Each option in full, exit statuses and files: man vmm (vmm(1)).");
  Anchors anchors;
  define_general(app, docs);
  define_machine(app, options, docs, anchors);
  define_gpu(app, options, docs, anchors);
  define_memory_types(app, options, docs, anchors);
  define_output(app, options, docs, anchors);
  define_security(app, options, docs);
  define_host_checks(app, options, docs, anchors);
}

}  // namespace vmm
