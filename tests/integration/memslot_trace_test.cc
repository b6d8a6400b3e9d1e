// The memslot-trace reader the gpu tests rely on; no /dev/kvm needed.
#include "tests/integration/memslot_trace.h"

#include <gtest/gtest.h>

namespace vmm::test {
namespace {

// Lines as vmm/memslot_trace.cc writes them: numbers as hex strings, fnv1a unpadded.
constexpr const char* kTrace =
    R"({"event":"add","slot":0,"guest_addr":"0x0","size":"0x8000000","owner":"ram-low","requested":"CacheCoherent","applied":"none","rule":"ram","kvm_flags":"0x0","read_only":false})"
    "\n"
    R"({"event":"add","slot":1,"guest_addr":"0x8000000000","size":"0x10000","owner":"gpu-blob 2","requested":"CacheNonCoherent","applied":"KVM_MEM_NON_COHERENT_DMA","kvm_flags":"0x8"})"
    "\n\n"
    R"({"event":"move","slot":1,"guest_addr":"0x8000800000","size":"0x10000","owner":"gpu-blob 2","requested":"CacheNonCoherent","applied":"x","old_guest_addr":"0x8000000000"})"
    "\n"
    R"({"event":"remove","slot":1,"guest_addr":"0x8000800000","size":"0x10000","owner":"gpu-blob 2","requested":"CacheNonCoherent","applied":"x","fnv1a":"0x1a2b"})"
    "\n"
    R"({"event":"add","slot":1,"guest_addr":4096,"size":65536,"owner":"gpu-blob 3","requested":"CacheNonCoherent","applied":"x"})"
    "\n";

TEST(MemslotTraceReader, ParsesVmmsFormat) {
  const MemslotTraceFile t = parse_memslot_trace(kTrace);
  ASSERT_TRUE(t.errors.empty()) << t.errors.front();
  ASSERT_EQ(t.events.size(), 5u);
  EXPECT_EQ(t.events[0].owner, "ram-low");
  EXPECT_TRUE(t.events[0].is_ram());
  EXPECT_EQ(t.events[0].size, 0x8000000u);
  EXPECT_FALSE(t.events[0].fnv1a);
  EXPECT_TRUE(t.events[1].is_gpu_blob());
  EXPECT_EQ(t.events[1].guest_addr, 0x8000000000u);
  EXPECT_EQ(t.events[1].requested, "CacheNonCoherent");
  EXPECT_EQ(t.events[2].line, 4u) << "the blank line still counts";
  EXPECT_EQ(t.events[2].old_guest_addr, 0x8000000000u);
  EXPECT_EQ(t.events[3].fnv1a, 0x1a2bu);
  EXPECT_EQ(t.events[4].guest_addr, 4096u) << "plain JSON numbers are accepted too";
  EXPECT_EQ(t.events[4].json["owner"], "gpu-blob 3");
}

TEST(MemslotTraceReader, ReportsBadLinesByNumber) {
  const MemslotTraceFile t = parse_memslot_trace(
      "not json\n"
      R"({"event":"add","slot":0,"guest_addr":"0xZZ","size":"0x1","owner":"o","requested":"r","applied":"a"})"
      "\n"
      R"({"event":"poke","slot":0,"guest_addr":"0x0","size":"0x1","owner":"o","requested":"r","applied":"a"})"
      "\n"
      R"({"event":"add","slot":0,"guest_addr":"0x0","size":"0x1","owner":"o","requested":"r"})");
  EXPECT_TRUE(t.events.empty());
  ASSERT_EQ(t.errors.size(), 4u);
  EXPECT_EQ(t.errors[0].rfind("line 1: ", 0), 0u) << t.errors[0];
  EXPECT_NE(t.errors[1].find("\"guest_addr\" is not a number"), std::string::npos) << t.errors[1];
  EXPECT_NE(t.errors[2].find("unknown event"), std::string::npos) << t.errors[2];
  EXPECT_NE(t.errors[3].find("\"applied\""), std::string::npos) << t.errors[3];
}

TEST(MemslotTraceReader, PairsAddsWithRemovesAcrossSlotReuse) {
  const MemslotTraceFile t = parse_memslot_trace(kTrace);
  std::vector<std::string> errors;
  const auto lives = slot_lifetimes(t, &errors);
  EXPECT_TRUE(errors.empty()) << errors.front();
  ASSERT_EQ(lives.size(), 3u);
  EXPECT_FALSE(lives[0].remove);  // RAM stays
  ASSERT_TRUE(lives[1].remove);
  EXPECT_EQ(lives[1].moves.size(), 1u);
  EXPECT_EQ(lives[1].remove->fnv1a, 0x1a2bu);
  EXPECT_EQ(lives[2].add.owner, "gpu-blob 3");  // slot 1 again
  EXPECT_FALSE(lives[2].remove);
}

TEST(MemslotTraceReader, FlagsRemovalOfSlotThatIsNotLive) {
  const MemslotTraceFile t = parse_memslot_trace(
      R"({"event":"remove","slot":5,"guest_addr":"0x0","size":"0x1000","owner":"gpu-blob 1","requested":"CacheNonCoherent","applied":"a"})");
  std::vector<std::string> errors;
  EXPECT_TRUE(slot_lifetimes(t, &errors).empty());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("not live"), std::string::npos) << errors[0];
}

TEST(MemslotTraceReader, MissingFileIsOneError) {
  const MemslotTraceFile t = read_memslot_trace("/nonexistent/trace.jsonl");
  EXPECT_TRUE(t.events.empty());
  ASSERT_EQ(t.errors.size(), 1u);
}

}  // namespace
}  // namespace vmm::test
