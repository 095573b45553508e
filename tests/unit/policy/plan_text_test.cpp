// `ringfence plan` as text: a seccomp rule's comment is printed above its
// syscalls, so a reviewer reads why a call is refused next to the call; the
// comment is in the JSON with the rule's origin, and like the origin it is
// not part of what the plan enforces (its hash).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ringfence/policy/plan_json.h"
#include "test_support.h"

namespace ringfence::test {
namespace {

const std::string kProfile = R"([profile]
name = "commented"
extends = "default"

[[seccomp.rules]]
{}syscalls = ["ioctl"]
action = "errno"
args = [{{ index = 1, op = "eq", value = 0x5412 }}]

[[seccomp.rules]]
syscalls = ["ioctl"]
action = "allow"
args = [{{ index = 1, op = "eq", value = 0x5401 }}]
)";

policy::Compiled compile_commented(const std::string& comment_line) {
  return compile_text(fmt::format(fmt::runtime(kProfile), comment_line), "commented.toml");
}

TEST(PlanText, ARulesCommentIsPrintedAboveItsSyscalls) {
  enter_source_dir();
  const auto c = compile_commented("comment = \"no TIOCSTI: keystrokes into the caller's terminal (CVE-2017-5226)\"\n");
  ASSERT_TRUE(c.ok()) << c.diags.format();
  const std::string text = policy::plan_to_text(*c.plan);
  EXPECT_NE(text.find("       errno(EPERM) if arg1 & 0xffffffff == 0x5412:\n"
                      "         # no TIOCSTI: keystrokes into the caller's terminal (CVE-2017-5226)\n"
                      "         ioctl\n"),
            std::string::npos)
      << text;
  // A rule without a comment has no comment line.
  EXPECT_NE(text.find("       allow if arg1 & 0xffffffff == 0x5401:\n         ioctl\n"), std::string::npos) << text;
}

TEST(PlanText, ALongCommentIsWrapped) {
  enter_source_dir();
  std::string words;
  for (int i = 0; i < 40; ++i) words += " word" + std::to_string(i);
  const auto c = compile_commented("comment = \"" + words.substr(1) + "\"\n");
  ASSERT_TRUE(c.ok()) << c.diags.format();
  const std::string text = policy::plan_to_text(*c.plan);
  const auto at = text.find("         # word0 ");
  ASSERT_NE(at, std::string::npos) << text;
  const auto end = text.find("         ioctl\n", at);
  ASSERT_NE(end, std::string::npos) << text;
  std::size_t lines = 0;
  for (std::size_t from = at; from < end;) {
    const auto nl = text.find('\n', from);
    EXPECT_LE(nl - from, 100u) << text.substr(from, nl - from);
    EXPECT_EQ(text.compare(from, 11, "         # "), 0) << text.substr(from, nl - from);
    ++lines;
    from = nl + 1;
  }
  EXPECT_GT(lines, 1u);
  EXPECT_NE(text.find("word39\n         ioctl\n"), std::string::npos) << text;
}

TEST(PlanText, TheCommentIsInTheJsonButNotInTheHash) {
  enter_source_dir();
  const auto with = compile_commented("comment = \"why\"\n");
  const auto without = compile_commented("");
  ASSERT_TRUE(with.ok() && without.ok()) << with.diags.format() << without.diags.format();
  EXPECT_NE(policy::plan_to_json(*with.plan).dump().find("\"comment\":\"why\""), std::string::npos);
  EXPECT_EQ(policy::plan_to_json(*with.plan, false).dump().find("\"comment\""), std::string::npos);
  EXPECT_EQ(policy::plan_sha256(*with.plan), policy::plan_sha256(*without.plan));
}

}  // namespace
}  // namespace ringfence::test
