// find_renderer_root over fake roots: complete or not, and what it says about each.
#include "devices/gpu/process/renderer_root.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace vmm::gpu::process {
namespace {

namespace fs = std::filesystem;

class RendererRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/vmm-fake-root.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
  }
  void TearDown() override { fs::remove_all(root_); }
  void file(const std::string& path, const std::string& text = "") {
    fs::create_directories((root_ / path).parent_path());
    std::ofstream(root_ / path) << text;
  }
  void complete() {
    file("lib64/ld-linux-x86-64.so.2");
    file("usr/libexec/virgl_render_server");
    file("usr/share/vulkan/icd.d/lvp_icd.json");
    file("usr/share/vulkan/icd.d/radeon_icd.json");
    file("vmm-renderer-root.manifest", "# suite_date: x\nlibc6=2.43-7\nlibvirglrenderer1=1.3.0-1\n");
    file(".vmm-root-complete");
  }
  fs::path root_;
};

TEST_F(RendererRootTest, Missing) {
  std::string why;
  EXPECT_FALSE(find_renderer_root(root_ / "nothing", &why));
  EXPECT_EQ(why, "no renderer root at " + (root_ / "nothing").string() + " (scripts/renderer-root makes it)");
}

TEST_F(RendererRootTest, HalfARootIsNotOne) {
  complete();
  fs::remove(root_ / ".vmm-root-complete");
  std::string why;
  EXPECT_FALSE(find_renderer_root(root_, &why));
  EXPECT_NE(why.find("is incomplete (no .vmm-root-complete"), std::string::npos) << why;
}

TEST_F(RendererRootTest, ManifestWithoutVirglrenderer) {
  complete();
  file("vmm-renderer-root.manifest", "libc6=2.43-7\n");
  std::string why;
  EXPECT_FALSE(find_renderer_root(root_, &why));
  EXPECT_NE(why.find("names no libvirglrenderer1 version"), std::string::npos) << why;
}

TEST_F(RendererRootTest, CompleteRootAndItsEnvironment) {
  complete();
  std::string why;
  auto root = find_renderer_root(root_, &why);
  ASSERT_TRUE(root) << why;
  EXPECT_EQ(root->debian_version, "1.3.0-1");
  EXPECT_EQ(root->upstream_version(), "1.3.0");
  const std::string p = root->path;
  const auto env = root->environment();
  auto has = [&](const std::string& line) { return std::find(env.begin(), env.end(), line) != env.end(); };
  EXPECT_TRUE(has("VK_DRIVER_FILES=" + p + "/usr/share/vulkan/icd.d/lvp_icd.json")) << "lavapipe only";
  EXPECT_TRUE(has("__EGL_VENDOR_LIBRARY_DIRS=" + p + "/usr/share/glvnd/egl_vendor.d"));
  EXPECT_TRUE(has("LIBGL_DRIVERS_PATH=" + p + "/usr/lib/x86_64-linux-gnu/dri"));
  EXPECT_EQ(root->command("/bin/prog", {"-x"}),
            (std::vector<std::string>{p + "/lib64/ld-linux-x86-64.so.2", "--library-path",
                                      p + "/usr/lib/x86_64-linux-gnu:" + p + "/lib/x86_64-linux-gnu",
                                      "/bin/prog", "-x"}));
}

TEST(RendererRootVersion, EpochAndRevisionAreDropped) {
  EXPECT_EQ((RendererRoot{"/", "1:1.3.0-1+b2"}).upstream_version(), "1.3.0");
  EXPECT_EQ((RendererRoot{"/", "1.3.0"}).upstream_version(), "1.3.0");
}

}  // namespace
}  // namespace vmm::gpu::process
