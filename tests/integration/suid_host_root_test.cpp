// Setuid files of the host, on the host's root (no --rootfs): the setuid
// scan skips a root mounted nosuid (docs/plan.md, suid.scan), and where it
// does walk the host (suid.nosuid = false) a setuid file in a directory the
// sandbox's mapped user cannot enter does not make the start fail.
//
// The host is never changed: the setuid files are put in a copy of /etc (a
// directory the host view walks from its own root), and ringfence runs in a
// mount namespace of the test's own where that copy is bound over /etc. The
// namespace ends with ringfence, the copy with the test.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>

#include "harness.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;

class HostSetuid : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    if (IsSkipped()) return;
    ASSERT_EQ(std::system(("cp -a /etc '" + (dir_ / "etc") + "'").c_str()), 0);
    // One probe where anyone may look, one behind a 0700 directory.
    for (const auto& [sub, mode] : {std::pair{"rf-open", 0755}, std::pair{"rf-closed", 0700}}) {
      const std::string d = dir_ / "etc/" + sub;
      ASSERT_EQ(mkdir(d.c_str(), static_cast<mode_t>(mode)), 0) << d;
      std::filesystem::copy_file(RINGFENCE_EUID_PROBE, d + "/suid-probe");
      ASSERT_EQ(chown((d + "/suid-probe").c_str(), 0, 0), 0);
      ASSERT_EQ(chmod((d + "/suid-probe").c_str(), 04755), 0);
    }
    // The harness runs this instead of ringfence: argv[1..] are ringfence's.
    std::ofstream(wrapper()) << "#!/bin/sh\n"
                             << "exec unshare --mount --propagation private sh -c "
                             << "'mount --bind \"$0\" /etc && exec \"$@\"' '" << (dir_ / "etc") << "' '"
                             << RINGFENCE_BINARY << "' \"$@\"\n";
    ASSERT_EQ(chmod(wrapper().c_str(), 0755), 0);
  }

  std::string wrapper() const { return dir_ / "ringfence-in-ns"; }

  // A profile file stacked on strict.
  std::string profile(const std::string& text) {
    const std::string path = dir_ / ("p" + std::to_string(++profiles_) + ".toml");
    std::ofstream(path) << "[profile]\nschema = 1\nname = \"t\"\nextends = \"strict\"\n" << text;
    return path;
  }

  Result run(const std::vector<std::string>& flags, const std::string& script) {
    std::vector<std::string> a = {"run", "--name", name("hs")};
    a.insert(a.end(), flags.begin(), flags.end());
    a.insert(a.end(), {"--", "/bin/sh", "-c", script});
    RunOptions o;
    o.binary = wrapper();
    return rf(a, o);
  }

  TempDir dir_{"ringfence-host-setuid"};
  int profiles_ = 0;
};

TEST_F(HostSetuid, StrictLeavesTheBitsToNosuidAndStartsWithAClosedDirectory) {
  // The bit is still on the file: nothing was scanned or stripped. It is
  // moot: /etc is nosuid, and as a non-root user of the sandbox the probe
  // (Landlock lets strict execute from /etc here, and no_new_privs is off,
  // so that nosuid is what is tested) gains nothing.
  const auto p = profile(
      "[suid]\nno_new_privileges = false\n"
      "[landlock]\nexecute = [\"...\", \"/etc\"]\n");
  auto r = run({"--profile", p, "-u", "1000"},
               "stat -c %a /etc/rf-open/suid-probe; /etc/rf-open/suid-probe; "
               "grep -c ' /etc .*nosuid' /proc/self/mountinfo");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "4755\nruid=1000 euid=1000 suid=1000\n1\n");
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("suid.scan")));
}

TEST_F(HostSetuid, TheShippedStrictStartsWithASetuidFileBehindAClosedDirectory) {
  auto r = run({"--profile", "strict"}, "cat /proc/self/uid_map >/dev/null && echo ok");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "ok\n");
}

TEST_F(HostSetuid, AScanOfTheHostSkipsWhatTheSandboxCannotReach) {
  // Without nosuid the bits could matter, so the host's trees are walked
  // and the setuid files covered by stripped copies; the one behind the
  // 0700 directory is out of the sandbox's reach, and not an error.
  const auto p = profile("[suid]\nnosuid = false\nstrip = \"strip\"\n");
  auto r = run({"--profile", p},
               "stat -c %a /etc/rf-open/suid-probe; ls /etc/rf-closed 2>/dev/null || echo closed");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "755\nclosed\n");
}

}  // namespace
}  // namespace ringfence::itest
