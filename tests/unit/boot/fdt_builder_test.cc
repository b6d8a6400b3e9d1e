#include "boot/fdt_builder.h"

#include <gtest/gtest.h>
#include <libfdt.h>

#include <string>

#include "boot/boot_error.h"

namespace vmm {
namespace {

PlatformDescription split_machine_with_gpu() {
  PlatformDescription p;
  p.ram = {{0, 3ull << 30}, {4ull << 30, 2ull << 30}};
  p.bootargs = "console=ttyS0 vmmtest.gpu=1";
  p.initrd = FdtRange{0x7fff0000, 0x3000};
  p.cpus = 4;
  p.pci_mmio32 = {0xc0000000, 0x3ec00000};
  p.pci_mmio64 = {0x180000000, 64ull << 30};
  p.gpu = FdtGpu{1, {0x180000000, 256ull << 20}, 1};
  p.memslots = {{0, 0, 3ull << 30, "ram-low", "CacheCoherent", "none", "unknown (PVM)"},
                {1, 4ull << 30, 2ull << 30, "ram-high", "CacheCoherent", "none", "unknown (PVM)"}};
  p.vmm_version = "0.1.0";
  return p;
}

std::uint64_t u64_at(const void* prop, int index) {
  const auto* cells = static_cast<const fdt32_t*>(prop);
  return (static_cast<std::uint64_t>(fdt32_to_cpu(cells[2 * index])) << 32) |
         fdt32_to_cpu(cells[2 * index + 1]);
}

std::string string_prop(const void* fdt, const char* path, const char* name) {
  const int node = fdt_path_offset(fdt, path);
  EXPECT_GE(node, 0) << path;
  int len = 0;
  const void* prop = fdt_getprop(fdt, node, name, &len);
  EXPECT_NE(prop, nullptr) << path << " " << name;
  return prop ? std::string(static_cast<const char*>(prop)) : "";
}

TEST(FdtBuilder, ReadsBackThroughLibfdtWithRamAbove4G) {
  const auto dtb = build_fdt(split_machine_with_gpu());
  const void* fdt = dtb.data();
  ASSERT_EQ(fdt_check_header(fdt), 0);
  EXPECT_EQ(fdt_totalsize(fdt), dtb.size());

  int len = 0;
  const void* low = fdt_getprop(fdt, fdt_path_offset(fdt, "/memory@0"), "reg", &len);
  ASSERT_EQ(len, 16);
  EXPECT_EQ(u64_at(low, 0), 0u);
  EXPECT_EQ(u64_at(low, 1), 3ull << 30);
  const void* high = fdt_getprop(fdt, fdt_path_offset(fdt, "/memory@100000000"), "reg", &len);
  ASSERT_NE(high, nullptr);
  EXPECT_EQ(u64_at(high, 0), 4ull << 30);
  EXPECT_EQ(u64_at(high, 1), 2ull << 30);

  EXPECT_EQ(string_prop(fdt, "/chosen", "bootargs"), "console=ttyS0 vmmtest.gpu=1");
  const void* start = fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"), "linux,initrd-start", &len);
  const void* end = fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"), "linux,initrd-end", &len);
  ASSERT_TRUE(start && end);
  EXPECT_EQ(u64_at(start, 0), 0x7fff0000u);
  EXPECT_EQ(u64_at(end, 0), 0x7fff3000u);

  EXPECT_GE(fdt_path_offset(fdt, "/cpus/cpu@3"), 0);
  EXPECT_LT(fdt_path_offset(fdt, "/cpus/cpu@4"), 0);
}

TEST(FdtBuilder, PciRangesAndHostVisibleWindow) {
  const auto dtb = build_fdt(split_machine_with_gpu());
  const void* fdt = dtb.data();
  const int pci = fdt_path_offset(fdt, "/pci@c0000000");
  ASSERT_GE(pci, 0);
  int len = 0;
  const auto* ranges = static_cast<const fdt32_t*>(fdt_getprop(fdt, pci, "ranges", &len));
  ASSERT_EQ(len, 2 * 7 * 4) << "two windows of 3+2+2 cells";
  EXPECT_EQ(fdt32_to_cpu(ranges[0]), 0x02000000u);
  EXPECT_EQ(fdt32_to_cpu(ranges[2]), 0xc0000000u);
  EXPECT_EQ(fdt32_to_cpu(ranges[6]), 0x3ec00000u);
  EXPECT_EQ(fdt32_to_cpu(ranges[7]), 0x43000000u);
  EXPECT_EQ(fdt32_to_cpu(ranges[8]), 0x1u);
  EXPECT_EQ(fdt32_to_cpu(ranges[9]), 0x80000000u);

  const int gpu = fdt_path_offset(fdt, "/pci@c0000000/gpu@1,0");
  ASSERT_GE(gpu, 0);
  const void* window = fdt_getprop(fdt, gpu, "vmm,host-visible-window", &len);
  ASSERT_EQ(len, 16);
  EXPECT_EQ(u64_at(window, 0), 0x180000000u);
  EXPECT_EQ(u64_at(window, 1), 256ull << 20);
}

TEST(FdtBuilder, MemslotsCarryRequestedMemCacheType) {
  const auto dtb = build_fdt(split_machine_with_gpu());
  EXPECT_EQ(string_prop(dtb.data(), "/vmm/memslot@100000000", "vmm,owner"), "ram-high");
  EXPECT_EQ(string_prop(dtb.data(), "/vmm/memslot@100000000", "vmm,requested"), "CacheCoherent");
  EXPECT_EQ(string_prop(dtb.data(), "/vmm/memslot@0", "vmm,rule"), "unknown (PVM)");
  EXPECT_EQ(string_prop(dtb.data(), "/vmm", "vmm,version"), "0.1.0");
}

// Only where the host CPU is emulated does the tree say so; the guest then does not
// classify what it measures.
TEST(FdtBuilder, EmulatedHostCpuIsStatedOnlyWhenTrue) {
  auto p = split_machine_with_gpu();
  auto dtb = build_fdt(p);
  EXPECT_EQ(fdt_getprop(dtb.data(), fdt_path_offset(dtb.data(), "/vmm"), "vmm,host-cpu-emulated", nullptr),
            nullptr);
  p.host_cpu_emulated = "QEMU TCG";
  dtb = build_fdt(p);
  EXPECT_EQ(string_prop(dtb.data(), "/vmm", "vmm,host-cpu-emulated"), "QEMU TCG");
}

TEST(FdtBuilder, NoGpuNoInitrdMeansNoSuchNodes) {
  auto p = split_machine_with_gpu();
  p.gpu.reset();
  p.initrd.reset();
  const auto dtb = build_fdt(p);
  EXPECT_LT(fdt_path_offset(dtb.data(), "/pci@c0000000/gpu@1,0"), 0);
  EXPECT_EQ(fdt_getprop(dtb.data(), fdt_path_offset(dtb.data(), "/chosen"), "linux,initrd-start", nullptr),
            nullptr);
}

TEST(FdtBuilder, ImpossibleOrOversizeDescriptionsAreErrorsNotBlobs) {
  auto p = split_machine_with_gpu();
  p.ram.clear();
  EXPECT_THROW(build_fdt(p), BootError);
  p = split_machine_with_gpu();
  p.cpus = 0;
  EXPECT_THROW(build_fdt(p), BootError);
  p = split_machine_with_gpu();
  p.bootargs = std::string(kMaxFdtSize, 'x');
  try {
    build_fdt(p);
    FAIL() << "an oversize tree must not be built";
  } catch (const BootError& e) {
    EXPECT_NE(std::string(e.what()).find("device tree"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
}

}  // namespace
}  // namespace vmm
