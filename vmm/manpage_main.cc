// vmm-manpage FILE [DATE]: writes vmm(1) as roff to FILE, from vmm's own option table
// (vmm/cli/cli_definition.cc: every option, its group, its help line and its details) and
// the prose below, which is about vmm as a whole rather than any one option. Run by the
// build (the `manpage` target writes build/vmm.1); DATE is the page's date, YYYY-MM-DD.
//
// vmm-manpage --doc check|update DOC: the same option table as Markdown, between the
// markers below in DOC (docs/command-line.md). `check` exits 1 when the block there is not
// what the table gives now (a ctest); `update` rewrites it.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "vmm/cli/cli_definition.h"
#include "vmm/cli/manpage.h"
#include "vmm/version.h"

namespace {

vmm::ManPage page(const std::string& date) {
  vmm::ManPage p;
  p.version = vmm::kVersion;
  p.date = date;
  p.summary = "a small KVM virtual machine monitor that reports GPU memory types";
  p.synopsis = {
      "`vmm` `--kernel` *PATH* [*OPTION*...]",
      "`vmm` `--probe-host` [`--json`]",
      "`vmm` `--self-test` [`--self-test-guest` *PATH*]",
      "`vmm` `ctl` *SOCKET* *COMMAND*",
      "`vmm` `--version` | `--help`",
  };
  p.before_options.push_back(
      {"DESCRIPTION",
       "`vmm` boots an x86-64 guest through the Linux boot protocol on KVM, gives it RAM and "
       "PCI device BARs as KVM memslots, and can add a virtio-gpu device whose host-visible "
       "region holds the guest's mapped blobs. Its subject is the memory type of that memory: "
       "for every memslot it says what was *requested* (the MemCacheType: `CacheCoherent` for "
       "RAM, `CacheNonCoherent` for blobs the guest maps write-combining or uncached), what KVM "
       "was told (*applied*: the `KVM_MEM_NON_COHERENT_DMA` slot flag, the VM-wide "
       "`IGNORE_GUEST_PAT` quirk, or nothing and why), which rule then decides what the guest "
       "gets, and what the guest really gets, *derived* from its own page tables, PAT and "
       "MTRRs and from KVM's second-level entries.\n\n"
       "The guest's serial console (COM1, an 8250 at port 0x3f8) is connected to stdout and "
       "stdin; vmm's own messages go to stderr. Input is passed through as the terminal gives "
       "it (no raw mode). Ctrl-C (SIGINT) or SIGTERM stops the VM in order: `--report`, "
       "`--gpu-screenshot` and the memslot table at exit are still written.\n\n"
       "Run `vmm --self-test` first on a new machine. Where `/dev/kvm` is missing, vmm says in "
       "one line what is missing and exits 1.",
       {}});
  p.after_options.push_back(
      {"EXIT STATUS",
       "A guest that writes a byte to the debug-exit port 0x501 decides the status itself; "
       "the last line on stderr says whether a 1, 2 or 3 came from the guest or from vmm.",
       {{"0-255 (the guest's byte)", "The guest wrote that byte to port 0x501."},
        {"0", "The guest reset the machine through the i8042 (what Linux's `reboot=k` does), or "
              "asked KVM for shutdown; also `--help`, `--version`, and a `--self-test` whose "
              "guest booted and passed."},
        {"1", "Set-up error: a bad kernel or initrd, no usable `/dev/kvm`, a memory-type mode "
              "this host cannot do, something KVM refused; one line `vmm: error: ...` on stderr."},
        {"2", "Usage error: an unknown option, a bad value, a config file with an unknown key or "
              "a wrong type, an output file in a missing or read-only directory."},
        {"3", "The VM failed: a triple fault, a failed VM entry, a KVM emulation error; stderr "
              "says which and where the guest was."},
        {"130, 143", "vmm was interrupted (SIGINT, SIGTERM) and stopped the VM in order."},
        {"141", "vmm's stdout (the guest console) was closed; the VM was stopped in order and "
                "the outputs written."},
        {"159", "A thread made a system call outside its seccomp allow-list (`--seccomp "
                "enforce`); one line on stderr names the thread and the call."}}});
  p.after_options.push_back(
      {"FILES",
       "",
       {{"*/dev/kvm*", "KVM. It must be a character device vmm can open for reading and writing "
                       "(on Debian: be in the *kvm* group)."},
        {"*/usr/share/vmm/configs/*", "Presets for `--config`: the default GPU set-up, the "
                                            "classic memory-type bug on purpose, crosvm's fixed "
                                            "blob mapping, refusing hosts that cannot honour "
                                            "`CacheNonCoherent`. Each says in its comments what it "
                                            "reproduces."},
        {"*/usr/share/vmm/tiny-guest.bzImage*", "The project's tiny test guest, which "
                                                "`--self-test` boots: it checks its boot "
                                                "environment, drives the GPU, prints `TEST` "
                                                "lines and exits through port 0x501."},
        {"*/usr/share/doc/vmm/*", "The README and the documents by topic: memory types, the GPU "
                                  "and its renderers, limits and seccomp, testing, "
                                  "benchmarks, architecture."}}});
  p.after_options.push_back(
      {"ENVIRONMENT",
       "",
       {{"`VMM_VIRGLRENDERER_LIBRARY`", "With `--gpu-renderer`: load this libvirglrenderer "
                                        "instead of libvirglrenderer.so.1."},
        {"`LP_NUM_THREADS`", "vmm sets it to 0 for llvmpipe unless it is set, so the renderer "
                             "starts no threads outside seccomp."}}});
  p.after_options.push_back(
      {"EXAMPLES",
       "",
       {{"`vmm --self-test`", "What this machine can do, and whether a guest boots here."},
        {"`vmm --probe-host`", "This host's memory-type facts and what each `--noncoherent-dma` "
                               "mode would do."},
        {"`vmm --kernel /boot/vmlinuz-$(uname -r) --initrd initrd.img --mem 1G --gpu`",
         "Boot Linux with a virtio-gpu device."},
        {"`vmm --config /usr/share/vmm/configs/gpu-default.toml --kernel bzImage --memslots "
         "--report report.json`",
         "The default GPU set-up, with the memslot table and a report of what each blob got."}}});
  p.after_options.push_back(
      {"SEE ALSO",
       "*qemu-system-x86_64*(1), *dtc*(1); the Linux kernel's *Documentation/virt/kvm/api.rst*; "
       "*/usr/share/doc/vmm/README.md*.",
       {}});
  return p;
}

constexpr const char* kBegin =
    "<!-- options: generated from vmm's option table (vmm/cli/cli_definition.cc) by "
    "vmm-manpage --doc update; edit the table, not this block -->\n";
constexpr const char* kEnd = "<!-- end of generated options -->\n";

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) std::fprintf(stderr, "vmm-manpage: cannot write %s\n", path.c_str());
  return static_cast<bool>(out);
}

// `check`: 0 when DOC's block is `markdown`, 1 (naming the first line that differs) when
// not; `update`: writes it there.
int doc_block(const std::string& mode, const std::string& path, const std::string& markdown) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string doc = buffer.str();
  const auto begin = doc.find(kBegin);
  const auto end = doc.find(kEnd);
  if (!in || begin == std::string::npos || end == std::string::npos || end < begin) {
    std::fprintf(stderr, "vmm-manpage: %s has no generated-options block (its markers)\n", path.c_str());
    return 1;
  }
  const auto start = begin + std::string(kBegin).size();
  const std::string current = doc.substr(start, end - start);
  if (mode == "update") return write_file(path, doc.substr(0, start) + markdown + doc.substr(end)) ? 0 : 1;
  if (current == markdown) {
    std::printf("%s: the options block is the option table's\n", path.c_str());
    return 0;
  }
  std::istringstream want(markdown), have(current);
  std::string w, h;
  for (int line = 1;; ++line) {
    const bool more_w = static_cast<bool>(std::getline(want, w)), more_h = static_cast<bool>(std::getline(have, h));
    if (!more_w && !more_h) break;
    if (w != h || more_w != more_h) {
      std::printf("%s: line %d of the options block differs from the option table:\n  table: %s\n  doc:   %s\n",
                  path.c_str(), line, more_w ? w.c_str() : "(end)", more_h ? h.c_str() : "(end)");
      break;
    }
  }
  std::printf("rewrite it: vmm-manpage --doc update %s\n", path.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const bool doc_mode = argc == 4 && std::string(argv[1]) == "--doc" &&
                        (std::string(argv[2]) == "check" || std::string(argv[2]) == "update");
  if (!doc_mode && (argc < 2 || argc > 3 || argv[1][0] == '-')) {
    std::fprintf(stderr, "usage: vmm-manpage FILE [YYYY-MM-DD]\n       vmm-manpage --doc check|update DOC\n");
    return 2;
  }
  vmm::Options options;
  CLI::App app("", "vmm");
  vmm::OptionDocs docs;
  vmm::define_command_line(app, options, docs);
  if (doc_mode) return doc_block(argv[2], argv[3], vmm::render_options_markdown(app, docs));
  return write_file(argv[1], vmm::render_manpage(app, docs, page(argc == 3 ? argv[2] : ""))) ? 0 : 1;
}
