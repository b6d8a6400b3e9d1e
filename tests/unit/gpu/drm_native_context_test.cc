// --gpu-renderer drm's refusal, over fake /sys trees: the line names what the host has.
#include "devices/gpu/process/drm_native_context.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace vmm::gpu::process {
namespace {

namespace fs = std::filesystem;

class DrmNativeContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/vmm-fake-sysfs.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    sysfs_ = pattern;
    fs::create_directories(sysfs_ / "class/drm");
  }
  void TearDown() override { fs::remove_all(sysfs_); }
  // class/drm/NAME/device/driver -> ../../bus/pci/drivers/DRIVER, as sysfs links it.
  void node(const std::string& name, const std::string& driver) {
    fs::create_directories(sysfs_ / "class/drm" / name / "device");
    fs::create_directories(sysfs_ / "bus/pci/drivers" / driver);
    fs::create_directory_symlink(sysfs_ / "bus/pci/drivers" / driver,
                                 sysfs_ / "class/drm" / name / "device/driver");
  }
  fs::path sysfs_;
};

TEST_F(DrmNativeContextTest, NoRenderNodeAtAll) {
  node("card0", "simpledrm");  // a card node is not a render node
  EXPECT_EQ(drm_native_context_refusal(sysfs_),
            "--gpu-renderer drm: DRM native contexts need an amdgpu, i915 or msm render node, and "
            "this host has no render node at all (" + sysfs_.string() + "/class/drm has no renderD*)");
}

TEST_F(DrmNativeContextTest, OnlyOtherDrivers) {
  node("renderD129", "nvidia");
  node("renderD128", "virtio-pci");
  const auto nodes = host_render_nodes(sysfs_);
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].name, "renderD128");
  EXPECT_EQ(nodes[0].driver, "virtio-pci");
  EXPECT_EQ(drm_native_context_refusal(sysfs_),
            "--gpu-renderer drm: DRM native contexts need an amdgpu, i915 or msm render node; this "
            "host has only renderD128 (virtio-pci), renderD129 (nvidia)");
}

TEST_F(DrmNativeContextTest, AmdgpuPresentIsNamedButNotServedYet) {
  node("renderD128", "amdgpu");
  const std::string line = drm_native_context_refusal(sysfs_);
  EXPECT_TRUE(line.starts_with("--gpu-renderer drm: the host has renderD128 (amdgpu), but DRM native "
                               "contexts run in virglrenderer 1.3.0"))
      << line;
}

TEST_F(DrmNativeContextTest, ThisHost) {
  // No such hardware on the project's machines: the real /sys gives the refusal's first kinds.
  const std::string line = drm_native_context_refusal("/sys");
  std::printf("%s\n", line.c_str());
  EXPECT_TRUE(line.starts_with("--gpu-renderer drm: ")) << line;
}

}  // namespace
}  // namespace vmm::gpu::process
