// The command table: every typed command has a handled entry with a name and the right
// queue; unknown types have none and are named by number.
#include "devices/gpu/gpu_command.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace vmm::gpu {
namespace {

template <std::size_t I = 0>
void expect_every_alternative_in_the_table(std::set<std::uint32_t>& seen) {
  if constexpr (I < std::variant_size_v<GpuCommand>) {
    using Alternative = std::variant_alternative_t<I, GpuCommand>;
    const CommandInfo* info = find_command(Alternative::kType);
    ASSERT_NE(info, nullptr) << std::hex << Alternative::kType;
    EXPECT_TRUE(info->handled) << info->name;
    EXPECT_TRUE(seen.insert(Alternative::kType).second) << info->name << " is two alternatives";
    const bool cursor = Alternative::kType == cmd::kUpdateCursor || Alternative::kType == cmd::kMoveCursor;
    EXPECT_EQ(info->queue, cursor ? GpuQueue::Cursor : GpuQueue::Control) << info->name;
    expect_every_alternative_in_the_table<I + 1>(seen);
  }
}

TEST(GpuCommandTable, EveryTypedCommandIsAHandledEntry) {
  std::set<std::uint32_t> seen;
  expect_every_alternative_in_the_table(seen);
  EXPECT_EQ(seen.size(), std::variant_size_v<GpuCommand>);
}

TEST(GpuCommandTable, NamesComeFromTheTable) {
  EXPECT_EQ(command_name(cmd::kResourceMapBlob), "RESOURCE_MAP_BLOB");
  EXPECT_EQ(command_name(cmd::kGetCapset), "GET_CAPSET");
  EXPECT_TRUE(find_command(cmd::kGetCapset)->handled) << "by the device: ERR_UNSPEC without a renderer";
  EXPECT_FALSE(find_command(cmd::kGetEdid)->handled) << "no EDID: answered ERR_UNSPEC";
  EXPECT_EQ(find_command(0x1234), nullptr);
  EXPECT_EQ(command_name(0x1234), "0x1234");
}

TEST(GpuCommandTable, BlobAndContextCommandsNeedTheirFeatures) {
  EXPECT_EQ(find_command(cmd::kResourceCreateBlob)->feature, static_cast<int>(kFeatureResourceBlob));
  EXPECT_EQ(find_command(cmd::kResourceMapBlob)->feature, static_cast<int>(kFeatureResourceBlob));
  EXPECT_EQ(find_command(cmd::kCtxCreate)->feature, static_cast<int>(kFeatureVirgl));
  EXPECT_EQ(find_command(cmd::kSubmit3d)->feature, static_cast<int>(kFeatureVirgl));
  EXPECT_EQ(find_command(cmd::kResourceCreate2d)->feature, -1);
}

}  // namespace
}  // namespace vmm::gpu
