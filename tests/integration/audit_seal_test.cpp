// The audit log's end, through the command line: setup-keys, seals at each
// stop, verify --key and --expect, rotate; and no sandbox can read the log,
// whatever its volumes or rootfs.
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>

#include "harness.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class AuditSeal : public SandboxTest {
 protected:
  std::vector<std::string> lines() {
    std::ifstream in(audit_log());
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }
  void keep_first(std::size_t n) {
    auto ls = lines();
    ls.resize(n);
    std::ofstream out(audit_log(), std::ios::trunc);
    for (const auto& l : ls) out << l << "\n";
  }
};

TEST_F(AuditSeal, SandboxStopsAreSealedAndACutIsFound) {
  auto setup = rf({"audit", "setup-keys", audit_log()});
  ASSERT_EQ(setup.status, 0) << setup.err;
  const std::string key = setup.out.substr(0, setup.out.find('\n'));
  ASSERT_THAT(key, HasSubstr("rfseal1:"));
  EXPECT_THAT(setup.err, HasSubstr("Keep it away from this machine"));
  for (const char* code : {"exit 0", "exit 4"}) {
    auto r = rf(run_args({}, code));
    ASSERT_TRUE(r.status == 0 || r.status == 4) << r.err;
  }
  // seal 0, then per sandbox: create, start, stop, seal.
  ASSERT_EQ(lines().size(), 9u);
  auto ok = rf({"audit", "verify", "--key", key, audit_log()});
  EXPECT_EQ(ok.status, 0) << ok.out << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("intact, 9 records"));
  EXPECT_THAT(ok.out, HasSubstr("sealed through record 9"));
  EXPECT_THAT(ok.out, HasSubstr("0 records after it are not sealed"));
  auto head = rf({"audit", "head", audit_log()});
  ASSERT_EQ(head.status, 0) << head.err;
  const std::string shipped = head.out.substr(0, head.out.find('\n'));
  EXPECT_EQ(shipped.substr(0, 2), "9:");

  // Whoever takes the host now cuts the second sandbox off. The seals
  // left say only that nothing after record 5 is proven; the shipped head
  // says what is missing.
  keep_first(5);
  auto cut = rf({"audit", "verify", "--key", key, audit_log()});
  EXPECT_EQ(cut.status, 0) << cut.out;
  EXPECT_THAT(cut.out, HasSubstr("sealed through record 5"));
  auto expect = rf({"audit", "verify", "--expect", shipped, audit_log()});
  EXPECT_EQ(expect.status, 1) << expect.out;
  EXPECT_THAT(expect.out, HasSubstr("the log ends at record 5, but record 9 was shipped as its head"));
  // The next sandbox's stop is sealed with the host's current key: the
  // epochs the cut took show.
  ASSERT_EQ(rf(run_args({}, "true")).status, 0);
  auto resealed = rf({"audit", "verify", "--key", key, audit_log()});
  EXPECT_EQ(resealed.status, 1) << resealed.out;
  EXPECT_THAT(resealed.out, HasSubstr("seals 2 to 2 are missing"));
  auto wrong = rf({"audit", "verify", "--key", "rfseal1:nothex", audit_log()});
  EXPECT_EQ(wrong.status, 2);
  EXPECT_THAT(wrong.err, HasSubstr("a verification key is rfseal1:"));
}

TEST_F(AuditSeal, RotatedFilesAreOneChainToVerifyAndShow) {
  ASSERT_EQ(rf(run_args({}, "true")).status, 0);
  auto rotate = rf({"audit", "rotate", audit_log()});
  ASSERT_EQ(rotate.status, 0) << rotate.err;
  EXPECT_TRUE(exists(audit_log() + ".1"));
  ASSERT_EQ(rf(run_args({}, "true")).status, 0);
  // Not due: the file is small and new.
  ASSERT_EQ(rf({"audit", "rotate", "--max-size", "1G", "--max-age", "7d", audit_log()}).status, 0);
  EXPECT_FALSE(exists(audit_log() + ".5"));
  auto verify = rf({"audit", "verify", audit_log()});
  EXPECT_EQ(verify.status, 0) << verify.out;
  EXPECT_THAT(verify.out, HasSubstr("intact, 7 records"));
  EXPECT_THAT(verify.out, HasSubstr("2 files"));
  auto shown = rf({"audit", "show", audit_log()});
  EXPECT_EQ(std::count(shown.out.begin(), shown.out.end(), '\n'), 7);
  EXPECT_THAT(shown.out, HasSubstr("log.rotated"));
  EXPECT_EQ(rf({"audit", "rotate", "--max-age", "soon", audit_log()}).status, 2);
}

// A sandbox that shares the host's users (--userns host: its root owns
// the log) and binds the directory above the log's, or takes the host's /
// as its rootfs, still finds nothing there. The log is kept apart from the
// state root here, so that only the log's own rule can hide it.
TEST_F(AuditSeal, NoSandboxReadsTheLog) {
  TempDir logs("ringfence-logs");
  const std::filesystem::path log(logs / "audit.jsonl");
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--root", state_root(), "run", "--audit-log", log.string()});
    return ringfence(args);
  };
  ASSERT_EQ(run({"--rootfs", test_rootfs(), "--", "/bin/true"}).status, 0);
  ASSERT_TRUE(exists(log));
  const std::string dir = log.parent_path().filename().string();
  auto via_volume = run({"--userns", "host", "--rootfs", test_rootfs(), "-v",
                         log.parent_path().parent_path().string() + ":/x:ro", "--", "/bin/sh", "-c",
                         "cat /x/" + dir + "/audit.jsonl; ls -A /x/" + dir + " | wc -l"});
  EXPECT_THAT(via_volume.out, Not(HasSubstr("\"seq\""))) << via_volume.out;
  EXPECT_THAT(via_volume.out, HasSubstr("0\n")) << "the log's directory shows empty";
  auto via_rootfs = run({"--userns", "host", "--rootfs", "/", "--", "/bin/cat", log.string()});
  EXPECT_NE(via_rootfs.status, 0);
  EXPECT_THAT(via_rootfs.out, Not(HasSubstr("\"seq\"")));
  auto bind_it = run({"--rootfs", test_rootfs(), "-v", log.parent_path().string() + ":/x", "--", "/bin/true"});
  EXPECT_EQ(bind_it.status, 125);
  EXPECT_THAT(bind_it.err, HasSubstr("which ringfence keeps from every sandbox"));
  // A directory someone made beside the log holds none of the log's files:
  // it may be bound (bench/notify.sh keeps its rootfs there).
  std::filesystem::create_directory(log.parent_path() / "sub");
  auto beside = run({"--rootfs", test_rootfs(), "-v", (log.parent_path() / "sub").string() + ":/x", "--", "/bin/true"});
  EXPECT_EQ(beside.status, 0) << beside.err;
}

}  // namespace
}  // namespace ringfence::itest
