// The AppArmor profile ringfence generates is text that apparmor_parser
// (Debian package apparmor) accepts, for every shipped profile and with a
// profile's own rules; a malformed rule makes the parser refuse it.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <gmock/gmock.h>

namespace {

bool have_parser() { return access("/sbin/apparmor_parser", X_OK) == 0 || access("/usr/sbin/apparmor_parser", X_OK) == 0; }

// Exports `profile` as AppArmor text and has apparmor_parser check it without
// loading it (-Q: no kernel; -K: no cache). Returns the parser's status.
int parse(const std::string& profile, std::string* text = nullptr) {
  const std::string file = "/tmp/rf-apparmor-" + std::to_string(getpid()) + ".txt";
  const std::string cmd = std::string("cd ") + RINGFENCE_SOURCE_DIR + " && " + RINGFENCE_BINARY +
                          " export --format apparmor " + profile + " > " + file +
                          " && apparmor_parser -Q -K " + file + " 2>/dev/null";
  const int status = std::system(cmd.c_str());
  if (text) {
    std::ifstream in(file);
    text->assign(std::istreambuf_iterator<char>(in), {});
  }
  unlink(file.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(AppArmorExport, EveryShippedProfileParses) {
  if (!have_parser()) GTEST_SKIP() << "apparmor_parser is not installed (Debian package apparmor)";
  for (const char* p : {"default", "application", "system-service", "low-level-service", "strict"})
    EXPECT_EQ(parse(p), 0) << p;
}

TEST(AppArmorExport, AProfilesOwnRulesAreInTheTextAndParse) {
  if (!have_parser()) GTEST_SKIP() << "apparmor_parser is not installed";
  std::string text;
  EXPECT_EQ(parse("tests/data/lsm/apparmor-rules.toml", &text), 0) << text;
  EXPECT_THAT(text, ::testing::HasSubstr("profile ringfence-aa-rules flags="));
  EXPECT_THAT(text, ::testing::HasSubstr("  deny /etc/shadow r,\n"));
  EXPECT_THAT(text, ::testing::HasSubstr("  deny network raw,\n"));
  EXPECT_THAT(text, ::testing::HasSubstr("  deny mount,\n"));
}

TEST(AppArmorExport, TheParserRefusesAMalformedRule) {
  if (!have_parser()) GTEST_SKIP() << "apparmor_parser is not installed";
  const std::string file = "/tmp/rf-apparmor-bad-" + std::to_string(getpid()) + ".toml";
  {
    std::ofstream out(file);
    out << "[profile]\nname = \"bad\"\nextends = \"default\"\n[apparmor]\ngenerate = true\n"
           "rules = [\"deny /etc/shadow frobnicate\"]\n";
  }
  EXPECT_NE(parse(file), 0);
  unlink(file.c_str());
}

}  // namespace
