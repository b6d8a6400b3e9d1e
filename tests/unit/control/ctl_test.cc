// vmm ctl (vmm/control/ctl_main.h, ctl_format.h) against a server with a fake target: exit
// statuses, human and --json output, and the live table's layout.
#include "vmm/control/ctl_main.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <sstream>
#include <vector>

#include "tests/unit/control/fake_control_target.h"
#include "tests/unit/control/test_client.h"
#include "vmm/control/control_server.h"
#include "vmm/control/ctl_format.h"

namespace vmm::control {
namespace {

using nlohmann::json;

class CtlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server = std::make_unique<ControlServer>(ControlSocket::listen_at(path), target, std::make_shared<EventFeed>(),
                                             "ctl-test");
  }
  // ctl_main's exit status; what it printed in `out` and `err`.
  int ctl(std::vector<std::string> words) {
    words.insert(words.begin(), "ctl");
    std::vector<const char*> argv;
    for (const auto& w : words) argv.push_back(w.c_str());
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    const int status = ctl_main(static_cast<int>(argv.size()), argv.data());
    out = ::testing::internal::GetCapturedStdout();
    err = ::testing::internal::GetCapturedStderr();
    return status;
  }

  testing::TempDir dir;
  std::string path = dir.file("ctl.sock");
  FakeControlTarget target;
  std::unique_ptr<ControlServer> server;
  std::string out, err;
};

TEST_F(CtlTest, StatusIsOneLinePerFieldOrOneJsonLine) {
  EXPECT_EQ(ctl({path, "status"}), 0);
  EXPECT_EQ(out, "state: running\nvcpus: 2\n");
  EXPECT_EQ(ctl({path, "status", "--json"}), 0);
  EXPECT_EQ(json::parse(out), (json{{"state", "running"}, {"vcpus", 2}}));
}

TEST_F(CtlTest, AnErrorAnswerIsExitOneWithTheReasonOnStderr) {
  target.stopping = true;
  EXPECT_EQ(ctl({path, "pause"}), 1);
  EXPECT_EQ(err, "vmm ctl: stopping: the VM is stopping\n");
  EXPECT_TRUE(out.empty());
}

TEST_F(CtlTest, ScreenshotSendsAnAbsolutePath) {
  EXPECT_EQ(ctl({path, "screenshot", "shot.png"}), 0);
  ASSERT_EQ(target.screenshots.size(), 1u);
  EXPECT_EQ(target.screenshots[0].front(), '/');
  EXPECT_NE(target.screenshots[0].find("/shot.png"), std::string::npos);
}

TEST_F(CtlTest, UsageErrorsAreTwoAndAMissingSocketIsOne) {
  EXPECT_EQ(ctl({path, "reboot"}), 2);
  EXPECT_EQ(ctl({path, "screenshot"}), 2);
  EXPECT_EQ(ctl({path, "status", "extra"}), 2);
  EXPECT_EQ(ctl({}), 2);
  EXPECT_EQ(ctl({dir.file("none.sock"), "status"}), 1);
  EXPECT_NE(err.find("cannot reach"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1);
}

TEST(CtlFormat, SlotsAreATableWithTheDerivedType) {
  const json data = json::parse(R"j({"state":"paused","slots":[
    {"slot":0,"guest_addr":"0x0","size":"0x10000000","owner":"ram-low","requested":"CacheCoherent",
     "applied":"none","rule":"guest PAT honoured (AMD NPT)"},
    {"slot":1,"guest_addr":"0x100000000","size":"0x10000","owner":"gpu-blob","requested":"CacheNonCoherent",
     "applied":"none","rule":"guest PAT honoured (AMD NPT)","derived":{"effective":"WC","moment":"pause"}},
    {"slot":2,"guest_addr":"0x100800000","size":"0x10000","owner":"gpu-blob","requested":"CacheNonCoherent",
     "applied":"none","rule":"r","pending":"first touch"}]})j");
  const std::string table = format_slots(data);
  EXPECT_NE(table.find("0x0000000000000000-0x000000000fffffff"), std::string::npos) << table;
  EXPECT_NE(table.find("0x0000000100000000-0x000000010000ffff"), std::string::npos) << table;
  EXPECT_NE(table.find("WC (pause)"), std::string::npos) << table;
  EXPECT_NE(table.find("pending first touch"), std::string::npos) << table;
  EXPECT_NE(table.find("(vm paused)"), std::string::npos) << table;
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 5);
}

TEST(CtlFormat, SlotColumnsLineUpWhateverTheOwnersLength) {
  const json data = json::parse(R"j({"slots":[
    {"slot":0,"guest_addr":"0x0","size":"0x1000","owner":"ram","requested":"CacheCoherent","applied":"none","rule":"r"},
    {"slot":1,"guest_addr":"0x1000","size":"0x1000","owner":"gpu-blob 401408","requested":"CacheNonCoherent",
     "applied":"none","rule":"r"}]})j");
  std::istringstream lines(format_slots(data));
  std::set<std::size_t> requested_at;
  for (std::string line; std::getline(lines, line);) {
    const auto at = line.find(line.rfind("slot", 0) == 0 ? "requested" : "Cache");
    ASSERT_NE(at, std::string::npos) << line;
    requested_at.insert(at);
  }
  EXPECT_EQ(requested_at.size(), 1u) << format_slots(data);
}

TEST(CtlFormat, EventsAreOneLineEach) {
  EXPECT_EQ(format_event(json::parse(R"({"event":"memslot","data":{"event":"add","slot":1,"guest_addr":"0x100000000",
      "size":"0x10000","owner":"gpu-blob","requested":"CacheNonCoherent","applied":"none","map_info":"WC"}})")),
            "add slot 1 0x0000000100000000-0x000000010000ffff gpu-blob requested CacheNonCoherent applied none map_info WC");
  EXPECT_EQ(format_event(json::parse(R"({"event":"memslot","data":{"event":"derive","slot":1,"guest_addr":"0x1000",
      "size":"0x1000","owner":"gpu-blob","effective":"WC","moment":"first touch"}})")),
            "derive slot 1 0x0000000000001000-0x0000000000001fff gpu-blob effective WC (first touch)");
  EXPECT_EQ(format_event(json::parse(R"({"event":"dropped","count":7})")),
            "dropped 7 events (this client read too slowly)");
}

}  // namespace
}  // namespace vmm::control
