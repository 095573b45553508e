// `ringfence harden` as a user runs it: what it prints, its exit codes, the
// record it leaves and the undo.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "../run_shell.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct HardenResult {
  int status;
  std::string out;  // stdout
  std::string err;  // stderr
};

class HardenCli : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ringfence-harden-cli.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    base = tmpl;
    root = base + "/rootfs";
    file(root + "/usr/bin/passwd", 04755);
    file(root + "/usr/bin/wall", 02755);
    file(root + "/usr/bin/ls", 0755);
  }
  void TearDown() override { std::filesystem::remove_all(base); }

  static void file(const std::string& path, mode_t mode) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << "x";
    ASSERT_EQ(chmod(path.c_str(), mode), 0);
  }
  static mode_t mode_of(const std::string& path) {
    struct stat st {};
    return lstat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
  }

  HardenResult harden(const std::string& args) {
    const std::string err_file = base + "/stderr";
    const auto run =
        ringfence::clitest::run_in_source_tree(std::string(RINGFENCE_BINARY) + " harden " + args + " 2>" + err_file);
    HardenResult r{run.status, run.out, ""};
    std::ifstream in(err_file);
    r.err.assign(std::istreambuf_iterator<char>(in), {});
    return r;
  }

  std::string base, root;
};

TEST_F(HardenCli, AReportListsModeOwnerAndPathAndExitsOneWhenThereAreSome) {
  auto r = harden(root);
  EXPECT_EQ(r.status, 1) << r.err;
  const std::string owner = std::to_string(getuid()) + ":" + std::to_string(getgid());
  EXPECT_EQ(r.out, "04755 " + owner + " /usr/bin/passwd\n02755 " + owner + " /usr/bin/wall\n");
  EXPECT_EQ(mode_of(root + "/usr/bin/passwd"), 04755u);
  EXPECT_FALSE(std::filesystem::exists(root + ".harden.jsonl"));
}

TEST_F(HardenCli, ADryRunSaysWhatWouldBeStrippedAndChangesNothing) {
  auto r = harden(root + " --in-place --dry-run");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("would strip 04755 -> 00755"));
  EXPECT_EQ(mode_of(root + "/usr/bin/passwd"), 04755u);
  EXPECT_FALSE(std::filesystem::exists(root + ".harden.jsonl"));
}

TEST_F(HardenCli, InPlaceStripsRecordsNextToTheRootAndUndoRestores) {
  auto r = harden(root + " --in-place --keep /usr/bin/wall");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("stripped 04755 -> 00755"));
  EXPECT_THAT(r.out, HasSubstr("kept 02755"));
  EXPECT_EQ(mode_of(root + "/usr/bin/passwd"), 0755u);
  EXPECT_EQ(mode_of(root + "/usr/bin/wall"), 02755u);
  const std::string record = root + ".harden.jsonl";
  EXPECT_THAT(r.err, HasSubstr(record));
  std::ifstream in(record);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["path"], "/usr/bin/passwd");
  EXPECT_EQ(j["old_mode"], "04755");
  EXPECT_EQ(j["new_mode"], "00755");
  EXPECT_FALSE(std::getline(in, line)) << "one line per changed file";

  EXPECT_EQ(harden(root + " --keep /usr/bin/wall").status, 0) << "nothing left to report";
  auto again = harden(root + " --in-place --keep /usr/bin/wall");
  EXPECT_EQ(again.status, 0) << "nothing to strip needs no new record: " << again.err;

  auto undo = harden(root + " --undo " + record);
  EXPECT_EQ(undo.status, 0) << undo.err;
  EXPECT_EQ(undo.out, "restored 00755 -> 04755 /usr/bin/passwd\n");
  EXPECT_EQ(mode_of(root + "/usr/bin/passwd"), 04755u);
  auto twice = harden(root + " --undo " + record);
  EXPECT_EQ(twice.status, 1);
  EXPECT_THAT(twice.err, HasSubstr("refused to restore /usr/bin/passwd"));
}

TEST_F(HardenCli, AnExistingRecordIsNeverOverwritten) {
  std::ofstream(root + ".harden.jsonl") << "precious\n";
  auto r = harden(root + " --in-place");
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("already exists"));
  EXPECT_EQ(mode_of(root + "/usr/bin/passwd"), 04755u) << "no change without a record";
  std::ifstream in(root + ".harden.jsonl");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "precious");
}

TEST_F(HardenCli, UsageErrorsExitTwoAndChangeNothing) {
  EXPECT_EQ(harden("").status, 2);
  EXPECT_EQ(harden(base + "/missing").status, 2);
  EXPECT_EQ(harden(root + " --undo x --in-place").status, 2);
  auto inside = harden(root + " --in-place --record " + root + "/usr/record.jsonl");
  EXPECT_EQ(inside.status, 2);
  EXPECT_THAT(inside.err, HasSubstr("inside"));
  auto typo = harden(root + " --in-place --keep /usr/bin/pasword");
  EXPECT_EQ(typo.status, 2);
  EXPECT_THAT(typo.err, HasSubstr("/usr/bin/pasword"));
  EXPECT_EQ(mode_of(root + "/usr/bin/passwd"), 04755u);
  EXPECT_EQ(mode_of(root + "/usr/bin/wall"), 02755u);
}

TEST_F(HardenCli, ADamagedRecordIsRefusedWhole) {
  ASSERT_EQ(harden(root + " --in-place").status, 0);
  const std::string record = root + ".harden.jsonl";
  std::ofstream(record, std::ios::app) << "{\"path\":\"/usr/bin/ls\",\"old_mode\":\"04777\"}\n";
  auto r = harden(root + " --undo " + record);
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr(":3:"));
  EXPECT_EQ(mode_of(root + "/usr/bin/passwd"), 0755u);
  EXPECT_EQ(mode_of(root + "/usr/bin/ls"), 0755u);
}

// Sets or clears the immutable attribute; false when the filesystem or the
// caller cannot.
bool set_immutable(const std::string& path, bool on) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  int flags = 0;
  bool ok = ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
  flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
  ok = ok && ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
  close(fd);
  return ok;
}

TEST_F(HardenCli, AFailureMidwayExits125AndStillRecordsWhatWasChanged) {
  const std::string stuck = root + "/usr/bin/wall";
  if (!set_immutable(stuck, true)) GTEST_SKIP() << "cannot make a file immutable here (needs root and ext4/xfs/btrfs)";
  auto r = harden(root + " --in-place");
  set_immutable(stuck, false);
  EXPECT_EQ(r.status, 125) << r.err;
  EXPECT_THAT(r.err, HasSubstr("/usr/bin/wall: cannot change its mode"));
  EXPECT_THAT(r.out, HasSubstr("failed 02755"));
  EXPECT_EQ(mode_of(stuck), 02755u);
  EXPECT_EQ(mode_of(root + "/usr/bin/passwd"), 0755u);
  std::ifstream in(root + ".harden.jsonl");
  std::string line, all;
  while (std::getline(in, line)) all += line + "\n";
  EXPECT_THAT(all, HasSubstr("\"/usr/bin/passwd\""));
  EXPECT_THAT(all, Not(HasSubstr("wall")));
}

TEST_F(HardenCli, ACleanTreeExitsZero) {
  ASSERT_EQ(harden(root + " --in-place").status, 0);
  auto r = harden(root);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(HardenCli, FormatJsonGivesScriptsOneObjectAndNoProgress) {
  auto report = harden(root + " --format json");
  EXPECT_EQ(report.status, 1);
  const auto j = nlohmann::json::parse(report.out);
  ASSERT_EQ(j["files"].size(), 2u);
  EXPECT_EQ(j["files"][0]["path"], "/usr/bin/passwd");
  EXPECT_EQ(j["files"][0]["mode"], "4755");
  EXPECT_EQ(j["files"][0]["outcome"], "found");
  EXPECT_FALSE(j.contains("record"));
  // Not a terminal: not one byte of a progress line on stderr.
  EXPECT_THAT(report.err, Not(HasSubstr("\r")));
  auto strip = harden(root + " --in-place --keep /usr/bin/wall --format json");
  ASSERT_EQ(strip.status, 0) << strip.err;
  const auto s = nlohmann::json::parse(strip.out);
  EXPECT_EQ(s["files"][0]["outcome"], "stripped");
  EXPECT_EQ(s["files"][1]["outcome"], "kept");
  EXPECT_EQ(s["record"], base + "/rootfs.harden.jsonl");
  EXPECT_EQ(mode_of(root + "/usr/bin/passwd"), 0755u);
}

}  // namespace
