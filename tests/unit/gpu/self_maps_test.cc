// self_maps (vmm-gpu-process): where a mapped address lies within an fd's file, from
// /proc/self/maps. This is what places a Venus blob in lavapipe's opaque memfd, whose first
// page is a header: a wrong answer shifts every byte the guest and the renderer share.
#include "devices/gpu/process/self_maps.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

#include "base/unique_fd.h"

namespace vmm::gpu::process {
namespace {

constexpr std::size_t kPage = 4096;

UniqueFd memfd(std::size_t bytes) {
  UniqueFd fd(memfd_create("self-maps-test", MFD_CLOEXEC));
  EXPECT_TRUE(fd.valid());
  EXPECT_EQ(ftruncate(fd.get(), static_cast<off_t>(bytes)), 0);
  return fd;
}

TEST(SelfMapsTest, ParsesALineWithAndWithoutAPath) {
  auto m = parse_maps_line("7f0000001000-7f0000003000 rw-s 00002000 00:01 4242 /memfd:llvmpipe memory fd (deleted)\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->start, 0x7f0000001000u);
  EXPECT_EQ(m->end, 0x7f0000003000u);
  EXPECT_TRUE(m->shared);
  EXPECT_EQ(m->file_offset, 0x2000u);
  EXPECT_EQ(m->dev_major, 0u);
  EXPECT_EQ(m->dev_minor, 1u);
  EXPECT_EQ(m->inode, 4242u);
  EXPECT_EQ(m->path, "/memfd:llvmpipe memory fd (deleted)");
  auto anon = parse_maps_line("7f0000001000-7f0000002000 rw-p 00000000 00:00 0 \n");
  ASSERT_TRUE(anon);
  EXPECT_FALSE(anon->shared);
  EXPECT_EQ(anon->path, "");
  EXPECT_FALSE(parse_maps_line("not a maps line\n"));
  EXPECT_FALSE(parse_maps_line("2000-1000 rw-p 00000000 00:00 0 \n")) << "end before start";
}

// A file mapped from its second page: an address in it lies at that page plus its distance
// from the mapping's start (the way lavapipe maps its opaque memfd whole and hands out the
// pointer one header page in, here mapped from a page further on).
TEST(SelfMapsTest, OffsetInFdIsTheFileOffsetOfTheAddress) {
  UniqueFd fd = memfd(4 * kPage);
  void* at = mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), kPage);
  ASSERT_NE(at, MAP_FAILED);
  const auto base = reinterpret_cast<std::uintptr_t>(at);
  EXPECT_EQ(offset_in_fd(base, fd.get()), kPage);
  EXPECT_EQ(offset_in_fd(base + kPage + 16, fd.get()), 2 * kPage + 16);
  munmap(at, 2 * kPage);
}

TEST(SelfMapsTest, AnAddressMappingAnotherFileHasNoOffsetInTheFd) {
  UniqueFd mapped = memfd(kPage), other = memfd(kPage);
  void* at = mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, mapped.get(), 0);
  ASSERT_NE(at, MAP_FAILED);
  EXPECT_FALSE(offset_in_fd(reinterpret_cast<std::uintptr_t>(at), other.get()));
  munmap(at, kPage);
  std::uint64_t on_stack = 0;
  EXPECT_FALSE(offset_in_fd(reinterpret_cast<std::uintptr_t>(&on_stack), mapped.get()));
}

TEST(SelfMapsTest, PrivateAnonymousIsOnlyPrivateAnonymous) {
  void* anon = mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(anon, MAP_FAILED);
  const auto a = reinterpret_cast<std::uintptr_t>(anon);
  EXPECT_TRUE(private_anonymous(a, a + 2 * kPage));
  UniqueFd fd = memfd(kPage);
  void* shared = mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  ASSERT_NE(shared, MAP_FAILED);
  const auto s = reinterpret_cast<std::uintptr_t>(shared);
  EXPECT_FALSE(private_anonymous(s, s + kPage)) << "a memfd's shared mapping";
  munmap(shared, kPage);
  munmap(anon, 2 * kPage);
}

}  // namespace
}  // namespace vmm::gpu::process
