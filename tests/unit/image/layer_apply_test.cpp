// The layer applier on hostile layers: every write lands inside the tree,
// no existing inode is written through, whiteouts follow the OCI image
// spec, and the diff_id is the sha256 of the uncompressed tar.
#include "ringfence/image/layer_apply.h"

#include <fcntl.h>
#include <stdio.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "ringfence/base/fd.h"
#include "ringfence/image/digest.h"
#include "tar_builder.h"

namespace ringfence::image {
namespace {

using testing::compress;
using testing::TarBuilder;
namespace fs = std::filesystem;

std::string sha256_text(const std::string& data) {
  Sha256 h;
  h.update(data.data(), data.size());
  return h.finish().text();
}

// Hands `data` out `chunk` bytes at a time, as a network or file reader would.
ByteSource source_of(const std::string& data, std::size_t chunk = 4093) {
  auto offset = std::make_shared<std::size_t>(0);
  return [&data, chunk, offset](void* buf, std::size_t size) -> ssize_t {
    const std::size_t n = std::min({size, chunk, data.size() - *offset});
    std::memcpy(buf, data.data() + *offset, n);
    *offset += n;
    return static_cast<ssize_t>(n);
  };
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class LayerApply : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ringfence-layer-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    tree_ = base_ / "tree";
    outside_ = base_ / "outside";
    fs::create_directory(tree_);
    fs::create_directory(outside_);
    tree_fd_.reset(open(tree_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(tree_fd_.valid());
  }
  void TearDown() override {
    tree_fd_.reset();
    std::error_code ec;
    fs::remove_all(base_, ec);
    if (!etc_file_.empty()) fs::remove(etc_file_, ec);
  }

  Result<UnpackReport> apply(const std::string& tar, const UnpackPolicy& policy = {}) {
    return apply_layer(tree_fd_.get(), source_of(tar), policy, "test layer");
  }
  UnpackReport apply_ok(const std::string& tar, const UnpackPolicy& policy = {}) {
    auto r = apply(tar, policy);
    EXPECT_TRUE(r.ok()) << r.status().message;
    return r.ok() ? r.value() : UnpackReport{};
  }
  // The failure's message, which must name the layer and the entry.
  std::string apply_fails(const std::string& tar, const std::string& entry, const UnpackPolicy& policy = {}) {
    auto r = apply(tar, policy);
    EXPECT_FALSE(r.ok()) << "applied a layer that should have been refused (entry " << entry << ")";
    if (r.ok()) return "";
    EXPECT_TRUE(contains(r.status().message, "test layer: ")) << r.status().message;
    EXPECT_TRUE(contains(r.status().message, entry)) << r.status().message;
    EXPECT_NE(r.status().err, 0);
    return r.status().message;
  }

  fs::path base_, tree_, outside_;
  fs::path etc_file_;  // a file a broken applier would have left in the host's /etc
  Fd tree_fd_;
};

class LayerApplyCompressed : public LayerApply, public ::testing::WithParamInterface<const char*> {};

TEST_P(LayerApplyCompressed, UnpacksAndHashesTheUncompressedTar) {
  const std::string big(300'000, 'x');  // more than one read of every reader
  const std::string tar = TarBuilder()
                              .dir("./usr/", 0755)
                              .dir("./usr/bin/", 0750)
                              .file("./usr/bin/tool", "#!/bin/sh\n", 0755)
                              .file("usr/share/big", big, 0640)  // parents not in the tar
                              .symlink("bin", "usr/bin")
                              .hardlink("usr/bin/tool2", "usr/bin/tool")
                              .finish();
  const std::string param = GetParam();
  const std::string layer = param == "none" ? tar : compress(tar, param);
  if (param != "none") {
    ASSERT_NE(layer.substr(0, 4), tar.substr(0, 4));
  }
  const UnpackReport report = apply_ok(layer);
  EXPECT_EQ(report.diff_id.text(), sha256_text(tar));
  EXPECT_EQ(report.entries, 6u);
  EXPECT_EQ(report.bytes, 10u + big.size());
  EXPECT_EQ(read_text(tree_ / "usr/bin/tool"), "#!/bin/sh\n");
  EXPECT_EQ(read_text(tree_ / "usr/share/big"), big);
  EXPECT_EQ(fs::read_symlink(tree_ / "bin"), "usr/bin");
  struct stat a {}, b {};
  ASSERT_EQ(stat((tree_ / "usr/bin/tool").c_str(), &a), 0);
  ASSERT_EQ(stat((tree_ / "usr/bin/tool2").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_mode & 07777, 0755u);
  EXPECT_EQ(a.st_mtim.tv_sec, 1'600'000'000);
  ASSERT_EQ(stat((tree_ / "usr/bin").c_str(), &a), 0);
  EXPECT_EQ(a.st_mode & 07777, 0750u);
  // Set at the end of the layer, after its children changed it.
  EXPECT_EQ(a.st_mtim.tv_sec, 1'600'000'000);
  ASSERT_EQ(stat((tree_ / "usr/share/big").c_str(), &a), 0);
  EXPECT_EQ(a.st_mode & 07777, 0640u);
}

INSTANTIATE_TEST_SUITE_P(Compressions, LayerApplyCompressed, ::testing::Values("none", "gzip", "zstd"));

// The command's standard output, or nullopt when it cannot run or fails.
std::optional<std::string> run(const std::string& command) {
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return std::nullopt;
  std::string out;
  char buf[65536];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (pclose(p) != 0) return std::nullopt;
  return out;
}

TEST_F(LayerApply, ReadsWhatTheGzipAndZstdToolsWriteAndHashesLikeSha256sum) {
  // Layers come from other tools' compressors: gzip with a header, zstd
  // with a checksummed frame. The diff_id is what sha256sum says of the tar.
  const std::string tar = TarBuilder(TarBuilder::Format::gnu)
                              .file(std::string(150, 'n') + "/long-name", "gnu long name")
                              .file("etc/hostname", "box\n")
                              .finish();
  const fs::path tar_path = base_ / "layer.tar";
  {
    std::ofstream(tar_path, std::ios::binary) << tar;
  }
  const auto sum = run("sha256sum " + tar_path.string());
  ASSERT_TRUE(sum.has_value());
  const std::string expected = "sha256:" + sum->substr(0, 64);
  for (const std::string tool : {"gzip -c -9", "zstd -q -c --check"}) {
    const auto layer = run(tool + " " + tar_path.string() + " 2>/dev/null");
    if (!layer.has_value()) {
      ADD_FAILURE() << tool << " is not installed (scripts/deps.sh)";
      continue;
    }
    const UnpackReport report = apply_ok(*layer);
    EXPECT_EQ(report.diff_id.text(), expected) << tool;
    EXPECT_EQ(read_text(tree_ / std::string(150, 'n') / "long-name"), "gnu long name") << tool;
  }
}

TEST_F(LayerApply, TakesTheRootEntrysModeAndRefusesOtherTypesAtTheRoot) {
  apply_ok(TarBuilder().dir("./", 0750).finish());
  struct stat st {};
  ASSERT_EQ(stat(tree_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  apply_fails(TarBuilder().file(".", "").finish(), ".");
  apply_fails(TarBuilder().symlink("/", "/etc").finish(), "/");
}

TEST_F(LayerApply, RefusesWhatIsNotATar) {
  auto r = apply(std::string(5000, 'q'));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.status().message, "test layer: ")) << r.status().message;
  r = apply(compress(std::string(5000, 'q'), "gzip"));
  ASSERT_FALSE(r.ok());
}

TEST_F(LayerApply, AcceptsAnEmptyLayerAndAnEmptyTar) {
  const std::string nothing;
  EXPECT_EQ(apply_ok(nothing).diff_id.text(), sha256_text(""));
  const std::string empty_tar = TarBuilder().finish();
  const UnpackReport report = apply_ok(compress(empty_tar, "gzip"));
  EXPECT_EQ(report.diff_id.text(), sha256_text(empty_tar));
  EXPECT_EQ(report.entries, 0u);
}

TEST_F(LayerApply, RefusesNamesThatClimbOutAndKeepsAbsoluteOnesInside) {
  apply_fails(TarBuilder().file("../outside/x", "escaped").finish(), "../outside/x");
  apply_fails(TarBuilder().file("a/../../outside/x", "escaped").finish(), "a/../../outside/x");
  EXPECT_FALSE(fs::exists(outside_ / "x"));
  // An absolute name is a name inside the image.
  const std::string abs = (outside_ / "y").string();
  apply_ok(TarBuilder().file(abs, "inside").file("a/../b", "b").finish());
  EXPECT_FALSE(fs::exists(outside_ / "y"));
  EXPECT_EQ(read_text(tree_ / abs.substr(1)), "inside");
  EXPECT_EQ(read_text(tree_ / "b"), "b");
}

TEST_F(LayerApply, WritesThroughAPlantedSymlinkOnlyInsideTheTree) {
  // evil -> <a host directory>, then evil/passwd: the file must land in the
  // tree's copy of that path, never in the host directory. (A directory of
  // the test's own stands for /etc, so that a regression cannot damage the
  // host running the test.)
  const std::string inside = outside_.relative_path().string();
  apply_ok(TarBuilder()
               .dir(inside)
               .symlink("evil", outside_.string())
               .file("evil/passwd", "root::0:0::/:/bin/sh\n")
               .finish());
  EXPECT_FALSE(fs::exists(outside_ / "passwd"));
  EXPECT_EQ(read_text(tree_ / inside / "passwd"), "root::0:0::/:/bin/sh\n");
  // A relative symlink climbing out is clamped at the tree's root as well.
  apply_ok(TarBuilder().symlink("up", "../../../../../../../../..").file("up/" + inside + "/shadow", "x").finish());
  EXPECT_FALSE(fs::exists(outside_ / "shadow"));
  EXPECT_TRUE(fs::exists(tree_ / inside / "shadow"));
  // Dangling inside the tree: refused (nothing to make the parent in), and
  // still nothing written outside.
  apply_fails(TarBuilder().symlink("dangling", (base_ / "elsewhere").string()).file("dangling/x", "x").finish(),
              "dangling/x");
  EXPECT_FALSE(fs::exists(base_ / "elsewhere"));
}

TEST_F(LayerApply, WritesThroughASymlinkToTheHostsEtcOnlyInsideTheTree) {
  // The classic: evil -> /etc. The file's name is the test's own, so that a
  // regression leaves a stray file in /etc rather than a changed passwd.
  const std::string name = "ringfence-layer-test-" + std::to_string(getpid());
  etc_file_ = fs::path("/etc") / name;
  apply_ok(TarBuilder().dir("etc").symlink("evil", "/etc").file("evil/" + name, "x").finish());
  EXPECT_FALSE(fs::exists(etc_file_)) << "wrote into the host's /etc";
  EXPECT_TRUE(fs::exists(tree_ / "etc" / name));
}

TEST_F(LayerApply, WritesThroughASymlinkFromALowerLayerOnlyInsideTheTree) {
  const std::string inside = outside_.relative_path().string();
  apply_ok(TarBuilder().dir(inside).symlink("etc", outside_.string()).finish());
  apply_ok(TarBuilder().file("etc/passwd", "layer 2\n").finish());
  EXPECT_FALSE(fs::exists(outside_ / "passwd"));
  EXPECT_EQ(read_text(tree_ / inside / "passwd"), "layer 2\n");
}

TEST_F(LayerApply, ReplacesASymlinkAtTheNameInsteadOfFollowingIt) {
  {
    std::ofstream(outside_ / "target") << "host file\n";
  }
  apply_ok(TarBuilder().symlink("link", (outside_ / "target").string()).finish());
  apply_ok(TarBuilder().file("link", "layer 2\n").finish());
  EXPECT_EQ(read_text(outside_ / "target"), "host file\n");
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(tree_ / "link")));
  EXPECT_EQ(read_text(tree_ / "link"), "layer 2\n");
}

TEST_F(LayerApply, ReplacesAHardLinkedFileInsteadOfWritingThroughIt) {
  // The store shares files between trees as hard links: rewriting one in a
  // layer must not change the other trees.
  {
    std::ofstream(outside_ / "shared") << "other image\n";
  }
  fs::create_directory(tree_ / "etc");
  ASSERT_EQ(link((outside_ / "shared").c_str(), (tree_ / "etc/conf").c_str()), 0);
  apply_ok(TarBuilder().file("etc/conf", "this image\n", 0600).finish());
  EXPECT_EQ(read_text(outside_ / "shared"), "other image\n");
  EXPECT_EQ(read_text(tree_ / "etc/conf"), "this image\n");
  struct stat st {};
  ASSERT_EQ(stat((outside_ / "shared").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 1u);
  EXPECT_EQ(st.st_mode & 07777, 0644u) << "the shared inode's mode changed";
}

TEST_F(LayerApply, ReplacesADirectoryWithAFileAndAFileWithADirectory) {
  apply_ok(TarBuilder().file("a/deep/file", "1").file("b", "2").finish());
  apply_ok(TarBuilder().file("a", "now a file").dir("b").finish());
  EXPECT_EQ(read_text(tree_ / "a"), "now a file");
  EXPECT_TRUE(fs::is_directory(tree_ / "b"));
}

TEST_F(LayerApply, RefusesHardLinksOutOfTheTreeOrToDirectories) {
  {
    std::ofstream(outside_ / "secret") << "host secret\n";
  }
  apply_fails(TarBuilder().hardlink("h", "../outside/secret").finish(), "h");
  // Absolute and through a symlink: resolved inside the tree, where there is
  // no such file.
  apply_fails(TarBuilder().hardlink("h", (outside_ / "secret").string()).finish(), "h");
  apply_fails(TarBuilder().symlink("s", outside_.string()).hardlink("h", "s/secret").finish(), "h");
  // The last component is not followed either: a link to a symlink is refused.
  apply_fails(TarBuilder().symlink("t", (outside_ / "secret").string()).hardlink("h2", "t").finish(), "h2");
  apply_fails(TarBuilder().dir("d").hardlink("hd", "d").finish(), "hd");
  struct stat st {};
  ASSERT_EQ(stat((outside_ / "secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 1u);
}

TEST_F(LayerApply, WhiteoutsRemoveWhatLowerLayersMade) {
  apply_ok(TarBuilder().file("a/x", "x").file("a/y", "y").file("b/z", "z").file("c", "c").file("d/e/f", "f").finish());
  const UnpackReport report =
      apply_ok(TarBuilder().file(".wh.c", "").file("b/.wh.z", "").file(".wh.d", "").file(".wh.missing", "")
                   .file("gone/.wh.x", "").finish());
  EXPECT_FALSE(fs::exists(fs::symlink_status(tree_ / "c")));
  EXPECT_FALSE(fs::exists(tree_ / "b/z"));
  EXPECT_TRUE(fs::is_directory(tree_ / "b"));
  EXPECT_FALSE(fs::exists(tree_ / "d"));
  EXPECT_TRUE(fs::exists(tree_ / "a/x"));
  EXPECT_FALSE(fs::exists(tree_ / ".wh.c")) << "a whiteout creates nothing";
  EXPECT_FALSE(fs::exists(tree_ / "gone")) << "a whiteout makes no directory";
  auto w = report.whiteouts;
  std::sort(w.begin(), w.end());
  EXPECT_EQ(w, (std::vector<std::string>{"/b/z", "/c", "/d"}));
}

TEST_F(LayerApply, AWhiteoutSparesTheSameLayersEntries) {
  apply_ok(TarBuilder().file("x", "lower").finish());
  apply_ok(TarBuilder().file("x", "upper").file(".wh.x", "").finish());
  EXPECT_EQ(read_text(tree_ / "x"), "upper");
}

TEST_F(LayerApply, AnOpaqueWhiteoutHidesOnlyTheLowerLayersChildren) {
  apply_ok(TarBuilder().file("d/old", "1").file("d/sub/old", "2").file("d/keepdir/old", "3").file("e/old", "4").finish());
  // The marker may come after entries of its own layer in the directory.
  const UnpackReport report = apply_ok(TarBuilder()
                                           .file("d/before", "b")
                                           .dir("d/keepdir")
                                           .file("d/keepdir/new", "n")
                                           .file("d/.wh..wh..opq", "")
                                           .file("d/after", "a")
                                           .finish());
  EXPECT_EQ(read_text(tree_ / "d/before"), "b");
  EXPECT_EQ(read_text(tree_ / "d/after"), "a");
  EXPECT_EQ(read_text(tree_ / "d/keepdir/new"), "n");
  EXPECT_FALSE(fs::exists(tree_ / "d/old"));
  EXPECT_FALSE(fs::exists(tree_ / "d/sub"));
  EXPECT_FALSE(fs::exists(tree_ / "d/keepdir/old"));
  EXPECT_FALSE(fs::exists(tree_ / "d/.wh..wh..opq"));
  EXPECT_TRUE(fs::exists(tree_ / "e/old"));
  auto w = report.whiteouts;
  std::sort(w.begin(), w.end());
  EXPECT_EQ(w, (std::vector<std::string>{"/d/keepdir/old", "/d/old", "/d/sub"}));
}

TEST_F(LayerApply, RefusesReservedWhiteoutNames) {
  for (const std::string name : {".wh.", ".wh..wh.foo", "d/.wh..wh.bar", ".wh..", ".wh..."}) {
    apply_fails(TarBuilder().file(name, "").finish(), name);
  }
}

TEST_F(LayerApply, RefusesOrRecordsSpecialFiles) {
  const std::string tar = TarBuilder()
                              .special("dev/null", AE_IFCHR, 1, 3)
                              .special("dev/sda", AE_IFBLK, 8, 0)
                              .special("run/fifo", AE_IFIFO)
                              .finish();
  const std::string message = apply_fails(tar, "dev/null");
  EXPECT_TRUE(contains(message, "char 1:3")) << message;
  EXPECT_FALSE(fs::exists(tree_ / "dev/null"));
  UnpackPolicy record;
  record.record_special = true;
  const UnpackReport report = apply_ok(tar, record);
  EXPECT_EQ(report.special_skipped,
            (std::vector<std::string>{"/dev/null (char 1:3)", "/dev/sda (block 8:0)", "/run/fifo (fifo)"}));
  EXPECT_FALSE(fs::exists(fs::symlink_status(tree_ / "dev/null")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(tree_ / "run/fifo")));
}

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
}

std::string setuid_layer() {
  return TarBuilder().file("usr/bin/su", "su", 04755).file("usr/bin/wall", "wall", 02755).file("usr/bin/ls", "ls", 0755).finish();
}

TEST_F(LayerApply, ReportsSetuidFilesAndKeepsThem) {
  const UnpackReport report = apply_ok(setuid_layer());
  ASSERT_EQ(report.privileged.size(), 2u);
  EXPECT_EQ(report.privileged[0].path, "/usr/bin/su");
  EXPECT_EQ(report.privileged[0].mode, 04755u);
  EXPECT_FALSE(report.privileged[0].stripped);
  EXPECT_EQ(report.privileged[1].path, "/usr/bin/wall");
  EXPECT_EQ(mode_of(tree_ / "usr/bin/su"), 04755u);
  EXPECT_EQ(mode_of(tree_ / "usr/bin/wall"), 02755u);
}

TEST_F(LayerApply, StripsSetuidExceptOnKeptPaths) {
  UnpackPolicy strip;
  strip.suid = "strip";
  strip.keep = {"/usr/bin/wall"};
  const UnpackReport report = apply_ok(setuid_layer(), strip);
  ASSERT_EQ(report.privileged.size(), 2u);
  EXPECT_TRUE(report.privileged[0].stripped);
  EXPECT_EQ(report.privileged[0].mode, 04755u) << "the report keeps the layer's mode";
  EXPECT_FALSE(report.privileged[1].stripped);
  EXPECT_EQ(mode_of(tree_ / "usr/bin/su"), 0755u);
  EXPECT_EQ(mode_of(tree_ / "usr/bin/wall"), 02755u);
  EXPECT_EQ(mode_of(tree_ / "usr/bin/ls"), 0755u);
}

TEST_F(LayerApply, RefusesAnUnknownSuidPolicy) {
  UnpackPolicy bad;
  bad.suid = "allow";
  auto r = apply(setuid_layer(), bad);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.status().message, "allow")) << r.status().message;
}

// security.capability: cap_net_raw in the permitted and effective sets
// (struct vfs_cap_data, revision 2, little-endian).
std::string net_raw_capability() {
  const unsigned char v2[20] = {0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00,
                                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  return std::string(reinterpret_cast<const char*>(v2), sizeof v2);
}

std::string capability_layer() {
  const std::string cap = net_raw_capability();
  return TarBuilder()
      .file("bin/ping", "ping", 0755,
            [&](archive_entry* e) {
              archive_entry_xattr_add_entry(e, "security.capability", cap.data(), cap.size());
              archive_entry_xattr_add_entry(e, "user.note", "hi", 2);
            })
      .finish();
}

TEST_F(LayerApply, ReportsAndKeepsFileCapabilities) {
  if (geteuid() != 0) GTEST_SKIP() << "setting security.capability needs CAP_SETFCAP";
  const UnpackReport report = apply_ok(capability_layer());
  ASSERT_EQ(report.privileged.size(), 1u);
  EXPECT_TRUE(report.privileged[0].file_caps);
  EXPECT_FALSE(report.privileged[0].stripped);
  char value[64];
  EXPECT_EQ(getxattr((tree_ / "bin/ping").c_str(), "security.capability", value, sizeof value), 20);
  EXPECT_EQ(getxattr((tree_ / "bin/ping").c_str(), "user.note", value, sizeof value), 2);
}

TEST_F(LayerApply, StripsFileCapabilities) {
  UnpackPolicy strip;
  strip.suid = "strip";
  const UnpackReport report = apply_ok(capability_layer(), strip);
  ASSERT_EQ(report.privileged.size(), 1u);
  EXPECT_TRUE(report.privileged[0].file_caps);
  EXPECT_TRUE(report.privileged[0].stripped);
  char value[64];
  EXPECT_LT(getxattr((tree_ / "bin/ping").c_str(), "security.capability", value, sizeof value), 0);
  EXPECT_EQ(getxattr((tree_ / "bin/ping").c_str(), "user.note", value, sizeof value), 2);
}

TEST_F(LayerApply, SetsTheLayersOwners) {
  if (geteuid() != 0) GTEST_SKIP() << "chown to other ids needs root";
  const auto owned = [](archive_entry* e) {
    archive_entry_set_uid(e, 1234);
    archive_entry_set_gid(e, 5678);
  };
  apply_ok(TarBuilder().dir("home/u", 0700, owned).file("home/u/f", "f", 0600, owned).finish());
  struct stat st {};
  ASSERT_EQ(stat((tree_ / "home/u/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
  ASSERT_EQ(stat((tree_ / "home/u").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234u);
}

TEST_F(LayerApply, RefusesMoreEntriesThanTheLimit) {
  UnpackPolicy policy;
  policy.max_entries = 3;
  apply_fails(TarBuilder().file("1", "").file("2", "").file("3", "").file("4", "").finish(), "4", policy);
  EXPECT_FALSE(fs::exists(tree_ / "4"));
}

TEST_F(LayerApply, RefusesASparseBombByItsHeaderQuickly) {
  const std::string tar = TarBuilder().file("small", "12345").sparse("bomb", 10ll << 30, 0, "data").finish();
  ASSERT_LT(tar.size(), 100'000u) << "the tar should hold the data, not the holes";
  UnpackPolicy policy;
  policy.max_bytes = 1ull << 30;
  const auto start = std::chrono::steady_clock::now();
  const std::string message = apply_fails(tar, "bomb", policy);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_FALSE(fs::exists(tree_ / "bomb"));
  // The limit counts the sum of the files.
  policy.max_bytes = 8;
  apply_fails(TarBuilder().file("a", "12345").file("b", "6789").finish(), "b", policy);
}

TEST_F(LayerApply, KeepsTheHolesOfASparseFile) {
  const std::int64_t size = 16ll << 20;
  const UnpackReport report = apply_ok(TarBuilder().sparse("sparse", size, 8ll << 20, "middle").finish());
  EXPECT_EQ(report.bytes, static_cast<std::uint64_t>(size));
  struct stat st {};
  ASSERT_EQ(stat((tree_ / "sparse").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, size);
  EXPECT_LT(st.st_blocks * 512, 1 << 20) << "holes were written as zeros";
  const std::string content = read_text(tree_ / "sparse");
  EXPECT_EQ(content.substr(8 << 20, 6), "middle");
  EXPECT_EQ(content.find_first_not_of('\0'), static_cast<std::size_t>(8 << 20));
}

TEST_F(LayerApply, FailsOnATruncatedLayer) {
  const std::string tar = TarBuilder().file("a", std::string(100'000, 'a')).file("b", "b").finish();
  apply_fails(tar.substr(0, 50'000), "a");
  const std::string gz = compress(tar, "gzip");
  auto r = apply(gz.substr(0, gz.size() / 2));
  EXPECT_FALSE(r.ok());
  const std::string zst = compress(tar, "zstd");
  r = apply(zst.substr(0, zst.size() - 10));
  EXPECT_FALSE(r.ok());
}

// Hands out `data` 4096 bytes at a time, then fails with EIO once `fail_at`
// bytes were given, instead of reporting the end.
ByteSource failing_source(const std::string& data, std::size_t fail_at) {
  auto given = std::make_shared<std::size_t>(0);
  return [&data, fail_at, given](void* buf, std::size_t size) -> ssize_t {
    if (*given >= fail_at) {
      errno = EIO;
      return -1;
    }
    const std::size_t n = std::min({size, std::size_t{4096}, data.size() - *given});
    std::memcpy(buf, data.data() + *given, n);
    *given += n;
    return static_cast<ssize_t>(n);
  };
}

TEST_F(LayerApply, FailsWhenTheSourceFails) {
  const std::string tar = TarBuilder().file("a", std::string(100'000, 'a')).file("b", "b").finish();
  // In the middle of an entry's data.
  auto r = apply_layer(tree_fd_.get(), failing_source(tar, 20'000), {}, "test layer");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.status().message, "test layer: a: reading the layer failed")) << r.status().message;
  EXPECT_EQ(r.status().err, EIO);
  // After the whole tar, where the stream's end would be: the diff_id
  // cannot be known, so neither is the layer.
  r = apply_layer(tree_fd_.get(), failing_source(tar, tar.size()), {}, "test layer");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.status().message, "reading the layer failed")) << r.status().message;
  // At the very start, and by throwing: still an error, not a crash.
  r = apply_layer(tree_fd_.get(), failing_source(tar, 0), {}, "test layer");
  EXPECT_FALSE(r.ok());
  r = apply_layer(tree_fd_.get(), [](void*, std::size_t) -> ssize_t { throw std::runtime_error("boom"); }, {},
                  "test layer");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.status().message, "boom")) << r.status().message;
}

}  // namespace
}  // namespace ringfence::image
