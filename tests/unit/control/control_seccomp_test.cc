// The control thread's seccomp allow-list (vmm/run/seccomp_allowlists.cc): paths only with
// --control, files opened only for the screenshot and only created-and-truncated for writing.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "vmm/run/seccomp_allowlists.h"
#include "vmm/run/seccomp_filter.h"

namespace vmm {
namespace {

std::vector<SyscallRule> rules_for(std::string_view call, const AllowListFacts& facts) {
  std::vector<SyscallRule> found;
  for (const auto& rule : allow_list(ThreadRole::Control, facts).allowed)
    if (rule.syscall == call) found.push_back(rule);
  return found;
}

AllowListFacts facts(bool control, bool screenshots) {
  AllowListFacts f;
  f.pid = getpid();
  f.kick_signal = SIGRTMIN;
  f.control = control;
  f.control_screenshots = screenshots;
  return f;
}

TEST(ControlAllowList, NamesNoPathWithoutControlAndOpensOnlyForScreenshots) {
  for (const char* call : {"openat", "open", "unlink", "newfstatat"})
    EXPECT_TRUE(rules_for(call, facts(false, false)).empty()) << call;
  EXPECT_TRUE(rules_for("openat", facts(true, false)).empty());
  EXPECT_EQ(rules_for("unlink", facts(true, false)).size(), 1u);
  const auto opens = rules_for("openat", facts(true, true));
  ASSERT_EQ(opens.size(), 1u);
  ASSERT_EQ(opens[0].checks.size(), 1u);
  EXPECT_EQ(opens[0].checks[0].index, 2u);
  EXPECT_EQ(opens[0].checks[0].value, static_cast<std::uint64_t>(O_WRONLY | O_CREAT | O_TRUNC));
  EXPECT_EQ(opens[0].checks[0].mask & O_RDWR, static_cast<std::uint64_t>(O_RDWR));  // no reading
}

TEST(ControlAllowList, ServesSocketsAndCompilesInEveryMode) {
  for (const char* call : {"poll", "accept4", "recvfrom", "sendto", "getsockopt", "close", "exit"})
    EXPECT_FALSE(rules_for(call, facts(true, true)).empty()) << call;
  // No new sockets or connections: the listening socket was made at set-up.
  for (const char* call : {"socket", "bind", "listen", "connect"})
    EXPECT_TRUE(rules_for(call, facts(true, true)).empty()) << call;
  for (SeccompMode mode : {SeccompMode::Enforce, SeccompMode::Log}) {
    const SeccompFilters filters(mode, facts(true, true));
    EXPECT_GT(filters.program_size(ThreadRole::Control), 0u);
  }
  EXPECT_EQ(to_string(ThreadRole::Control), "control socket");
}

}  // namespace
}  // namespace vmm
