#include "boot/fdt_builder.h"

#include <libfdt.h>

#include <cstdio>

#include "boot/boot_error.h"

namespace vmm {

namespace {

// libfdt reports errors as negative codes; every call goes through here so a failure
// becomes one readable line instead of a half-written tree.
void check(int result, const char* what) {
  if (result < 0) throw BootError(std::string("device tree: ") + what + ": " + fdt_strerror(result));
}

// Big-endian cells, as the flattened tree stores them.
class Cells {
 public:
  Cells& u32(std::uint32_t v) {
    cells_.push_back(cpu_to_fdt32(v));
    return *this;
  }
  Cells& u64(std::uint64_t v) { return u32(static_cast<std::uint32_t>(v >> 32)).u32(static_cast<std::uint32_t>(v)); }
  const void* data() const { return cells_.data(); }
  int size() const { return static_cast<int>(cells_.size() * sizeof(fdt32_t)); }

 private:
  std::vector<fdt32_t> cells_;
};

std::string unit(std::uint64_t addr) {
  char text[32];
  std::snprintf(text, sizeof text, "%llx", static_cast<unsigned long long>(addr));
  return text;
}

class Writer {
 public:
  explicit Writer(std::vector<std::uint8_t>& buffer) : fdt_(buffer.data()) {
    check(fdt_create(fdt_, static_cast<int>(buffer.size())), "create");
    check(fdt_finish_reservemap(fdt_), "reserve map");
  }
  void begin(const std::string& name) { check(fdt_begin_node(fdt_, name.c_str()), name.c_str()); }
  void end() { check(fdt_end_node(fdt_), "end node"); }
  void prop(const char* name, const Cells& cells) { check(fdt_property(fdt_, name, cells.data(), cells.size()), name); }
  void prop(const char* name, const std::string& value) { check(fdt_property_string(fdt_, name, value.c_str()), name); }
  void cell(const char* name, std::uint32_t value) { check(fdt_property_cell(fdt_, name, value), name); }
  void empty(const char* name) { check(fdt_property(fdt_, name, nullptr, 0), name); }
  void finish() { check(fdt_finish(fdt_), "finish"); }
  void* fdt() const { return fdt_; }

 private:
  void* fdt_;
};

void write_pci(Writer& w, const PlatformDescription& p) {
  // Named after its first window: dtc wants a unit address on a node with `ranges`.
  w.begin("pci@" + unit(p.pci_mmio32.addr));
  w.prop("compatible", std::string("vmm,pci-conf1"));
  w.prop("device_type", std::string("pci"));
  w.cell("#address-cells", 3);
  w.cell("#size-cells", 2);
  w.prop("bus-range", Cells().u32(0).u32(0));
  w.prop("vmm,config-ports", Cells().u32(0xcf8).u32(8));
  // PCI address phys.hi: 0x02000000 = 32-bit memory, 0x43000000 = 64-bit prefetchable.
  // Both windows are identity-mapped (PCI address = CPU address).
  w.prop("ranges", Cells()
                       .u32(0x02000000).u64(p.pci_mmio32.addr).u64(p.pci_mmio32.addr).u64(p.pci_mmio32.size)
                       .u32(0x43000000).u64(p.pci_mmio64.addr).u64(p.pci_mmio64.addr).u64(p.pci_mmio64.size));
  if (p.gpu) {
    const FdtGpu& gpu = *p.gpu;
    char name[32];
    std::snprintf(name, sizeof name, "gpu@%x,0", gpu.pci_slot);
    w.begin(name);
    w.prop("compatible", std::string("pci1af4,1050"));
    // Configuration-space address of bus 0, device `slot`, function 0.
    w.prop("reg", Cells().u32(static_cast<std::uint32_t>(gpu.pci_slot) << 11).u64(0).u64(0));
    w.prop("vmm,host-visible-window", Cells().u64(gpu.host_visible.addr).u64(gpu.host_visible.size));
    w.cell("vmm,shm-id", gpu.shm_id);
    w.end();
  }
  w.end();
}

void write_memslots(Writer& w, const PlatformDescription& p) {
  w.begin("vmm");
  w.prop("compatible", std::string("vmm,platform-info"));
  w.prop("vmm,version", p.vmm_version);
  if (!p.host_cpu_emulated.empty()) w.prop("vmm,host-cpu-emulated", p.host_cpu_emulated);
  w.cell("#address-cells", 2);
  w.cell("#size-cells", 2);
  for (const auto& slot : p.memslots) {
    w.begin("memslot@" + unit(slot.guest_addr));
    w.prop("reg", Cells().u64(slot.guest_addr).u64(slot.size));
    w.cell("vmm,slot", slot.slot);
    w.prop("vmm,owner", slot.owner);
    w.prop("vmm,requested", slot.requested);
    w.prop("vmm,applied", slot.applied);
    w.prop("vmm,rule", slot.rule);
    w.end();
  }
  w.end();
}

}  // namespace

std::vector<std::uint8_t> build_fdt(const PlatformDescription& p) {
  if (p.ram.empty()) throw BootError("device tree: the platform has no RAM");
  if (p.cpus == 0) throw BootError("device tree: the platform has no CPU");
  std::vector<std::uint8_t> buffer(kMaxFdtSize);
  Writer w(buffer);
  w.begin("");
  w.cell("#address-cells", 2);
  w.cell("#size-cells", 2);
  w.prop("compatible", std::string("vmm,x86-64"));
  w.prop("model", std::string("vmm KVM virtual machine"));

  w.begin("chosen");
  w.prop("bootargs", p.bootargs);
  if (p.initrd) {
    w.prop("linux,initrd-start", Cells().u64(p.initrd->addr));
    w.prop("linux,initrd-end", Cells().u64(p.initrd->addr + p.initrd->size));
  }
  w.end();

  for (const auto& range : p.ram) {
    w.begin("memory@" + unit(range.addr));
    w.prop("device_type", std::string("memory"));
    w.prop("reg", Cells().u64(range.addr).u64(range.size));
    w.end();
  }

  w.begin("cpus");
  w.cell("#address-cells", 1);
  w.cell("#size-cells", 0);
  for (std::uint32_t cpu = 0; cpu < p.cpus; ++cpu) {
    w.begin("cpu@" + unit(cpu));
    w.prop("device_type", std::string("cpu"));
    w.cell("reg", cpu);  // the local APIC id
    w.end();
  }
  w.end();

  write_pci(w, p);
  write_memslots(w, p);
  w.end();
  w.finish();
  buffer.resize(fdt_totalsize(buffer.data()));
  return buffer;
}

}  // namespace vmm
