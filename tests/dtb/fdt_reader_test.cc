// The tiny guest's own device-tree reader (tests/guest/fdt.c), compiled for the host and run
// over trees vmm's builder makes: it finds what the builder put in, and a corrupt blob is
// refused or read without ever touching a byte outside it. The blob sits between two
// PROT_NONE guard pages, so a read one byte before or after it faults and kills the test.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/mapping.h"
#include "boot/fdt_builder.h"

extern "C" {
#include "tests/guest/fdt.h"
}

namespace vmm {
namespace {

constexpr std::uint64_t kGiB = 1ull << 30;

PlatformDescription platform() {
  PlatformDescription p;
  p.ram = {{0, 3 * kGiB}, {4 * kGiB, kGiB / 2}};
  p.bootargs = "console=ttyS0 vmmtest.fdt=1";
  p.initrd = FdtRange{0x7ffff000, 4093};
  p.cpus = 2;
  p.pci_mmio32 = {0xc0000000, 0x3ec00000};
  p.pci_mmio64 = {0x140000000, 0x1000000000};
  p.gpu = FdtGpu{1, {0x140000000, 0x1000000}, 1};
  p.memslots = {{0, 0, 3 * kGiB, "ram-low", "CacheCoherent", "none", "unknown (PVM)"},
                {1, 4 * kGiB, kGiB / 2, "ram-high", "CacheCoherent", "none", "unknown (PVM)"}};
  p.vmm_version = "0.1.0";
  return p;
}

// `bytes` copied so that they end right at a PROT_NONE page, with another one before them.
class GuardedBlob {
 public:
  explicit GuardedBlob(const std::vector<std::uint8_t>& bytes) : size_(bytes.size()) {
    const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    data_pages_ = (bytes.size() + page - 1) / page;
    if (data_pages_ == 0) data_pages_ = 1;
    mapping_ = Mapping::anonymous((data_pages_ + 2) * page, "a guarded blob");
    std::uint8_t* base = mapping_.data();
    if (mprotect(base, page, PROT_NONE) != 0 ||
        mprotect(base + (data_pages_ + 1) * page, page, PROT_NONE) != 0)
      throw std::runtime_error("mprotect failed");
    data_ = base + page + data_pages_ * page - bytes.size();
    if (!bytes.empty()) std::memcpy(data_, bytes.data(), bytes.size());
  }
  GuardedBlob(const GuardedBlob&) = delete;
  GuardedBlob& operator=(const GuardedBlob&) = delete;
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  Mapping mapping_;
  std::uint8_t* data_ = nullptr;
  std::size_t size_;
  std::size_t data_pages_ = 0;
};

std::string node_name(const fdt& f, int32_t node) {
  std::size_t len = 0;
  const char* name = fdt_node_name(&f, node, &len);
  return std::string(name, len);
}

std::vector<std::string> children(const fdt& f, int32_t parent, const char* prefix) {
  std::vector<std::string> names;
  std::uint32_t cursor = 0;
  for (int32_t child; (child = fdt_next_child(&f, parent, prefix, &cursor)) >= 0;)
    names.push_back(node_name(f, child));
  return names;
}

// Every lookup the guest's checks make, on whatever fdt_open accepted.
void exercise(const fdt& f) {
  const int32_t root = fdt_root(&f);
  for (const char* path : {"/", "/chosen", "/cpus", "/vmm", "/vmm/memslot@0", "/nope", "//", "/chosen/"}) {
    int32_t node = fdt_path(&f, path);
    std::uint32_t len = 0;
    fdt_prop(&f, node, "bootargs", &len);
    fdt_prop_string(&f, node, "vmm,owner");
    std::uint64_t v;
    fdt_prop_u64(&f, node, "linux,initrd-start", 0, &v);
    fdt_prop_u64(&f, node, "reg", 1, &v);
  }
  for (const char* prefix : {"", "memory@", "pci@"}) {
    std::uint32_t cursor = 0;
    for (int32_t child; (child = fdt_next_child(&f, root, prefix, &cursor)) >= 0;) {
      node_name(f, child);
      std::uint32_t len = 0;
      fdt_prop(&f, child, "reg", &len);
      fdt_prop_string(&f, child, "device_type");
      std::uint32_t inner = 0;
      for (int32_t sub; (sub = fdt_next_child(&f, child, "", &inner)) >= 0;) {
        fdt_prop(&f, sub, "vmm,host-visible-window", &len);
        fdt_prop_string(&f, sub, "vmm,requested");
      }
    }
  }
}

TEST(GuestFdtReader, ReadsWhatTheBuilderWrote) {
  const std::vector<std::uint8_t> bytes = build_fdt(platform());
  GuardedBlob blob(bytes);
  fdt f;
  fdt_error err;
  ASSERT_TRUE(fdt_open(&f, blob.data(), blob.size(), &err)) << err.what << " at " << err.at;
  EXPECT_EQ(f.totalsize, bytes.size());
  EXPECT_EQ(f.version, 17u);
  EXPECT_EQ(f.nodes, 12u);  // root chosen memory*2 cpus cpu*2 pci gpu vmm memslot*2

  const int32_t root = fdt_root(&f);
  ASSERT_GE(root, 0);
  EXPECT_EQ(node_name(f, root), "");
  EXPECT_EQ(children(f, root, ""),
            (std::vector<std::string>{"chosen", "memory@0", "memory@100000000", "cpus",
                                      "pci@c0000000", "vmm"}));
  EXPECT_EQ(children(f, root, "memory@"),
            (std::vector<std::string>{"memory@0", "memory@100000000"}));
  EXPECT_EQ(children(f, fdt_path(&f, "/cpus"), "cpu@"), (std::vector<std::string>{"cpu@0", "cpu@1"}));

  const int32_t chosen = fdt_path(&f, "/chosen");
  ASSERT_GE(chosen, 0);
  EXPECT_STREQ(fdt_prop_string(&f, chosen, "bootargs"), "console=ttyS0 vmmtest.fdt=1");
  std::uint64_t start = 0, end = 0;
  EXPECT_TRUE(fdt_prop_u64(&f, chosen, "linux,initrd-start", 0, &start));
  EXPECT_TRUE(fdt_prop_u64(&f, chosen, "linux,initrd-end", 0, &end));
  EXPECT_EQ(start, 0x7ffff000u);
  EXPECT_EQ(end, 0x7ffff000u + 4093);
  EXPECT_FALSE(fdt_prop_u64(&f, chosen, "linux,initrd-start", 1, &start));
  EXPECT_EQ(fdt_prop_string(&f, chosen, "linux,initrd-start"), nullptr);  // not a string

  const int32_t high = fdt_path(&f, "/memory@100000000");
  std::uint64_t addr = 0, size = 0;
  EXPECT_TRUE(fdt_prop_u64(&f, high, "reg", 0, &addr));
  EXPECT_TRUE(fdt_prop_u64(&f, high, "reg", 1, &size));
  EXPECT_EQ(addr, 4 * kGiB);
  EXPECT_EQ(size, kGiB / 2);
  EXPECT_STREQ(fdt_prop_string(&f, high, "device_type"), "memory");

  const int32_t gpu = fdt_path(&f, "/pci@c0000000/gpu@1,0");
  ASSERT_GE(gpu, 0);
  EXPECT_TRUE(fdt_prop_u64(&f, gpu, "vmm,host-visible-window", 0, &addr));
  EXPECT_TRUE(fdt_prop_u64(&f, gpu, "vmm,host-visible-window", 1, &size));
  EXPECT_EQ(addr, 0x140000000u);
  EXPECT_EQ(size, 0x1000000u);
  std::uint32_t len = 0;
  const void* id = fdt_prop(&f, gpu, "vmm,shm-id", &len);
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(len, 4u);
  EXPECT_EQ(fdt_be32(id), 1u);

  const int32_t slot0 = fdt_path(&f, "/vmm/memslot@0");
  EXPECT_STREQ(fdt_prop_string(&f, slot0, "vmm,owner"), "ram-low");
  EXPECT_STREQ(fdt_prop_string(&f, slot0, "vmm,requested"), "CacheCoherent");
  EXPECT_EQ(children(f, fdt_path(&f, "/vmm"), "memslot@").size(), 2u);

  // Names match exactly: no "memory" for "memory@0", no prefix of a longer name.
  EXPECT_LT(fdt_path(&f, "/memory"), 0);
  EXPECT_LT(fdt_path(&f, "/chose"), 0);
  EXPECT_LT(fdt_path(&f, "/chosen/bootargs"), 0);
  EXPECT_EQ(fdt_prop(&f, chosen, "bootarg", &len), nullptr);
  EXPECT_EQ(fdt_prop(&f, root, "bootargs", &len), nullptr);  // properties are per node
  exercise(f);
}

TEST(GuestFdtReader, NoInitrdNoGpu) {
  PlatformDescription p = platform();
  p.initrd.reset();
  p.gpu.reset();
  GuardedBlob blob(build_fdt(p));
  fdt f;
  fdt_error err;
  ASSERT_TRUE(fdt_open(&f, blob.data(), blob.size(), &err)) << err.what;
  std::uint32_t len = 0;
  EXPECT_EQ(fdt_prop(&f, fdt_path(&f, "/chosen"), "linux,initrd-start", &len), nullptr);
  EXPECT_EQ(children(f, fdt_path(&f, "/pci@c0000000"), "gpu@").size(), 0u);
}

void put_be32(std::vector<std::uint8_t>& b, std::size_t off, std::uint32_t v) {
  b[off] = static_cast<std::uint8_t>(v >> 24);
  b[off + 1] = static_cast<std::uint8_t>(v >> 16);
  b[off + 2] = static_cast<std::uint8_t>(v >> 8);
  b[off + 3] = static_cast<std::uint8_t>(v);
}

std::string open_error(const std::vector<std::uint8_t>& bytes, std::size_t avail) {
  GuardedBlob blob(bytes);
  fdt f;
  fdt_error err;
  if (fdt_open(&f, blob.data(), avail, &err)) return "accepted";
  return err.what;
}

TEST(GuestFdtReader, RefusesBadHeadersWithAReason) {
  const std::vector<std::uint8_t> good = build_fdt(platform());
  const std::uint32_t off_struct = fdt_be32(good.data() + 8);
  const std::uint32_t size_struct = fdt_be32(good.data() + 36);
  auto with = [&](std::size_t off, std::uint32_t v) {
    std::vector<std::uint8_t> b = good;
    put_be32(b, off, v);
    return b;
  };
  EXPECT_EQ(open_error(good, good.size()), "accepted");
  EXPECT_EQ(open_error(good, good.size() - 1), "totalsize exceeds the bytes available");
  EXPECT_EQ(open_error(good, 8), "fewer bytes than an FDT header");
  EXPECT_EQ(open_error(with(0, 0xfeedd00d), good.size()), "bad magic");
  EXPECT_EQ(open_error(with(20, 15), good.size()), "version below 16");
  EXPECT_EQ(open_error(with(24, 18), good.size()), "last_comp_version above 17");
  EXPECT_EQ(open_error(with(4, 20), good.size()), "totalsize smaller than the header");
  EXPECT_EQ(open_error(with(8, 0x10000), good.size()), "off_dt_struct outside the blob or misaligned");
  EXPECT_EQ(open_error(with(8, off_struct + 2), good.size()),
            "off_dt_struct outside the blob or misaligned");
  EXPECT_EQ(open_error(with(36, 0xfffffff0), good.size()), "size_dt_struct runs past totalsize");
  EXPECT_EQ(open_error(with(32, 0xfffffff0), good.size()), "strings block runs past totalsize");
  EXPECT_EQ(open_error(with(16, 0x2c), good.size()), "off_mem_rsvmap outside the blob or misaligned");
  EXPECT_EQ(open_error(with(12, off_struct), good.size()), "structure and strings blocks overlap");
  // The first token after the root's BEGIN_NODE + "" name is a property: corrupt its length.
  EXPECT_EQ(open_error(with(off_struct + 8 + 4, 0x7fffffff), good.size()),
            "property value runs off the structure block");
  EXPECT_EQ(open_error(with(off_struct + 8 + 8, 0x7fffffff), good.size()),
            "property name offset outside the strings block");
  EXPECT_EQ(open_error(with(off_struct, 7), good.size()), "unknown token");
  EXPECT_EQ(open_error(with(off_struct + size_struct - 4, FDT_NOP), good.size()),
            "token outside the structure block");
  EXPECT_EQ(open_error(with(off_struct + size_struct - 8, FDT_NOP), good.size()),
            "END inside an open node");
  // A v16 blob (no size_dt_struct) still reads: the structure block runs to totalsize.
  std::vector<std::uint8_t> v16 = with(20, 16);
  put_be32(v16, 24, 16);
  EXPECT_EQ(open_error(v16, good.size()), "accepted");
}

// Every single-byte corruption of every byte, and many random multi-byte ones: fdt_open
// either refuses the blob or every lookup on it stays inside it (the guard pages prove it).
TEST(GuestFdtReader, CorruptBlobsNeverReadOutsideThemselves) {
  const std::vector<std::uint8_t> good = build_fdt(platform());
  unsigned accepted = 0, refused = 0;
  auto run = [&](const std::vector<std::uint8_t>& bytes) {
    GuardedBlob blob(bytes);
    fdt f;
    fdt_error err;
    if (fdt_open(&f, blob.data(), blob.size(), &err)) {
      accepted++;
      exercise(f);
    } else {
      refused++;
      ASSERT_NE(err.what, nullptr);
    }
  };
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (std::uint8_t x : {0x01, 0x04, 0x80, 0xff}) {
      std::vector<std::uint8_t> b = good;
      b[i] ^= x;
      run(b);
    }
  }
  std::mt19937 rng(0xfd7);
  for (int n = 0; n < 4000; ++n) {
    std::vector<std::uint8_t> b = good;
    const int flips = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < flips; ++k) b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
    run(b);
  }
  // Truncated copies whose header still claims the full size must be refused.
  for (std::size_t len = 0; len < good.size(); len += 7) {
    std::vector<std::uint8_t> b(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(len));
    GuardedBlob blob(b);
    fdt f;
    fdt_error err;
    EXPECT_FALSE(fdt_open(&f, blob.data(), blob.size(), &err)) << "length " << len;
  }
  EXPECT_GT(refused, 0u);
  EXPECT_GT(accepted, 0u);  // e.g. flips inside property values
}

}  // namespace
}  // namespace vmm
