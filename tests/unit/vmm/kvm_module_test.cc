#include "vmm/kvm/kvm_module.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <initializer_list>

namespace vmm {
namespace {

// Builds a fake /sys/module holding the named module directories.
KvmModule detect_with(std::initializer_list<const char*> modules) {
  auto root = std::filesystem::temp_directory_path() /
              ("vmm-sysmodule-" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root / "kvm");
  for (const char* name : modules) std::filesystem::create_directories(root / name);
  auto module = detect_kvm_module(root.string());
  std::filesystem::remove_all(root);
  return module;
}

TEST(KvmModule, ReadsSysModule) {
  EXPECT_EQ(detect_with({"kvm_intel"}), KvmModule::Intel);
  EXPECT_EQ(detect_with({"kvm_amd"}), KvmModule::Amd);
  EXPECT_EQ(detect_with({"kvm_amd", "kvm_pvm"}), KvmModule::Pvm) << "PVM owns /dev/kvm when loaded";
  EXPECT_EQ(detect_with({}), KvmModule::Unknown);
  EXPECT_EQ(detect_kvm_module("/nonexistent/module"), KvmModule::Unknown);
}

}  // namespace
}  // namespace vmm
