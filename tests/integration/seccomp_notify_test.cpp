// Rules with action "notify" are answered by the supervisor with the rule's
// errno; the program sees the call fail, and everything else still works.
#include <gmock/gmock.h>

#include "harness.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;

class SeccompNotify : public SandboxTest {};

TEST_F(SeccompNotify, TheSupervisorAnswersWithTheRulesErrno) {
  // --tmpfs /tmp: the test rootfs is shared and must stay as it was built.
  auto r = rf(run_args({"--profile", std::string(RINGFENCE_SOURCE_DIR) + "/tests/data/integration/notify-mkdir.toml",
                        "--tmpfs", "/tmp"},
                       "mkdir /tmp/d 2>&1; echo mkdir=$?; touch /tmp/f && echo touch-ok; "
                       "for i in 1 2 3 4 5 6 7 8 9 10; do mkdir /tmp/d$i 2>/dev/null; done; ls /tmp"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Permission denied"));
  EXPECT_THAT(r.out, HasSubstr("mkdir=1"));
  EXPECT_THAT(r.out, HasSubstr("touch-ok"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("d1"))) << "no notified mkdir may succeed";
}

TEST_F(SeccompNotify, WithoutTheRuleMkdirWorks) {
  auto r = rf(run_args({"--tmpfs", "/tmp"}, "mkdir /tmp/d && echo made"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("made"));
}

}  // namespace
}  // namespace ringfence::itest
