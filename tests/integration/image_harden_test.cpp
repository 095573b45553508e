// `ringfence image harden`: a new image, one layer more, without the setuid
// and setgid bits (except --keep); the old image and its tree untouched; the
// change in the audit log. Images are made offline by tests/tools/make-image.py
// (as in image_test.cpp) with a setuid layer written by Python's tarfile.
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "harness.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;

// A layer with three privileged files: setuid, setgid, and both bits.
void write_setuid_layer(const std::string& path) {
  layer_tar(path,
            "add_file('bin/su-like', b'#!/bin/sh\\necho su\\n', 0o4755)\n"
            "add_file('bin/sg-like', b'#!/bin/sh\\necho sg\\n', 0o2755)\n"
            "add_file('usr/bin/keep-me', b'#!/bin/sh\\necho keep\\n', 0o6711)\n");
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return 0xffffffffu;
  return st.st_mode & 07777;
}

class ImageHarden : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    if (IsSkipped()) return;
    store_ = work_ / "store";
    log_ = work_ / "audit.jsonl";
  }

  Result image(std::vector<std::string> args) {
    args.insert(args.begin(), {"image", "--store", store_});
    return rf(args);
  }
  Result harden(std::vector<std::string> args) {
    args.insert(args.begin(), {"image", "harden", "--store", store_, "--audit-log", log_});
    return rf(args);
  }
  Result run_on(const std::string& ref, const std::string& path) {
    return rf({"run", "--store", store_, "--image", ref, "--", "stat", "-c", "%a", path});
  }
  // The test rootfs plus the setuid layer, imported as "suid"; its record.
  nlohmann::json import_setuid_image() {
    write_setuid_layer(work_ / "suid.tar");
    int status = -1;
    shell("python3 " + std::string(RINGFENCE_SOURCE_DIR) + "/tests/tools/make-image.py --layer " + test_rootfs() +
                  " --layer " + work_ / "suid.tar" + " --name suid --config-json '{\"Cmd\":[\"true\"]}' " +
                  work_ / "oci",
              &status);
    EXPECT_EQ(status, 0);
    auto r = image({"import", "--format", "json", work_ / "oci"});
    EXPECT_EQ(r.status, 0) << r.err;
    return r.status == 0 ? nlohmann::json::parse(r.out) : nlohmann::json::object();
  }
  std::string tree_of(const nlohmann::json& record) {
    return store_ + "/trees/" + record["layers"].back()["tree"].get<std::string>() + "/rootfs";
  }
  nlohmann::json config_of(const std::string& id) {
    return nlohmann::json::parse(read_text(store_ + "/blobs/sha256/" + id.substr(7)));
  }
  std::vector<nlohmann::json> harden_records() {
    std::vector<nlohmann::json> out;
    std::istringstream lines(exists(log_) ? read_text(log_) : std::string());
    for (std::string line; std::getline(lines, line);) {
      auto j = nlohmann::json::parse(line);
      if (j.value("event", "") == "image.harden") out.push_back(j);
    }
    return out;
  }

  TempDir work_{"ringfence-harden"};
  std::string store_, log_;
};

TEST_F(ImageHarden, StripsIntoANewImageAndLeavesTheOldOneAsItWas) {
  const auto old = import_setuid_image();
  ASSERT_FALSE(old.empty());
  const std::string old_id = old["id"];
  auto r = harden({"suid", "-o", "suid-hard", "--format", "json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["created"], true);
  const std::string new_id = j["id"];
  EXPECT_NE(new_id, old_id);
  EXPECT_EQ(j["hardened_from"], old_id);
  EXPECT_EQ(j["names"], nlohmann::json::array({"suid-hard"}));

  // The new tree has no bit left; the old one (its files hard-linked into
  // the new tree before the layer was applied) still has every one.
  const std::string fresh = tree_of(j), before = tree_of(old);
  ASSERT_NE(fresh, before);
  EXPECT_EQ(mode_of(fresh + "/bin/su-like"), 0755u);
  EXPECT_EQ(mode_of(fresh + "/bin/sg-like"), 0755u);
  EXPECT_EQ(mode_of(fresh + "/usr/bin/keep-me"), 0711u);
  EXPECT_EQ(mode_of(before + "/bin/su-like"), 04755u);
  EXPECT_EQ(mode_of(before + "/bin/sg-like"), 02755u);
  EXPECT_EQ(mode_of(before + "/usr/bin/keep-me"), 06711u);
  EXPECT_EQ(read_text(fresh + "/bin/su-like"), "#!/bin/sh\necho su\n");
  // Everything else of the image is there too.
  EXPECT_EQ(shell("ls " + fresh + "/bin | wc -l"), shell("ls " + before + "/bin | wc -l"));
  EXPECT_TRUE(exists(fresh + "/bin/busybox"));

  // The ID is the stored config's digest; the config has one layer more.
  std::string sum = shell("sha256sum " + store_ + "/blobs/sha256/" + new_id.substr(7));
  EXPECT_EQ("sha256:" + sum.substr(0, 64), new_id);
  const auto oldc = config_of(old_id), newc = config_of(new_id);
  ASSERT_EQ(newc["rootfs"]["diff_ids"].size(), oldc["rootfs"]["diff_ids"].size() + 1);
  EXPECT_EQ(newc["rootfs"]["diff_ids"].back(), j["layers"].back()["diff_id"]);
  EXPECT_EQ(newc["config"], oldc["config"]);
  EXPECT_EQ(newc["history"].back()["created_by"], "ringfence image harden");
  EXPECT_EQ(newc["history"].back()["comment"], "setuid/setgid bits stripped from 3 files");
  EXPECT_EQ(j["layers"].size(), old["layers"].size() + 1);

  // And a manifest of its own: the old one's, with the new config and the
  // new layer (an uncompressed tar, digest = diff_id) on top.
  ASSERT_TRUE(j.contains("manifest")) << j.dump();
  const std::string new_manifest = j["manifest"], old_manifest = old["manifest"];
  EXPECT_NE(new_manifest, old_manifest);
  sum = shell("sha256sum " + store_ + "/blobs/sha256/" + new_manifest.substr(7));
  EXPECT_EQ("sha256:" + sum.substr(0, 64), new_manifest);
  const auto oldm = config_of(old_manifest), newm = config_of(new_manifest);
  EXPECT_EQ(newm["config"]["digest"], new_id);
  EXPECT_EQ(newm["config"]["size"], std::filesystem::file_size(store_ + "/blobs/sha256/" + new_id.substr(7)));
  ASSERT_EQ(newm["layers"].size(), oldm["layers"].size() + 1);
  EXPECT_EQ(newm["layers"].back()["digest"], j["layers"].back()["diff_id"]);
  EXPECT_EQ(newm["layers"].back()["mediaType"], "application/vnd.oci.image.layer.v1.tar");
  EXPECT_EQ(newm["layers"][0], oldm["layers"][0]);

  // Running each image shows its own modes.
  auto hard = run_on("suid-hard", "/bin/su-like");
  ASSERT_EQ(hard.status, 0) << hard.err;
  EXPECT_EQ(hard.out, "755\n");
  auto orig = run_on("suid", "/bin/su-like");
  ASSERT_EQ(orig.status, 0) << orig.err;
  EXPECT_EQ(orig.out, "4755\n");

  // The audit log: old and new digests and each change.
  const auto records = harden_records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["image"], old_id);
  EXPECT_EQ(records[0]["new_image"], new_id);
  EXPECT_EQ(records[0]["new_manifest"], new_manifest);
  EXPECT_EQ(records[0]["name"], "suid-hard");
  ASSERT_EQ(records[0]["changed"].size(), 3u) << records[0].dump();
  EXPECT_EQ(records[0]["changed"][0]["path"], "/bin/sg-like");
  EXPECT_EQ(records[0]["changed"][0]["old_mode"], "2755");
  EXPECT_EQ(records[0]["changed"][0]["new_mode"], "0755");
  EXPECT_EQ(records[0]["changed"][1]["path"], "/bin/su-like");
  EXPECT_EQ(records[0]["changed"][1]["old_mode"], "4755");
  auto verify = rf({"audit", "verify", log_});
  EXPECT_EQ(verify.status, 0) << verify.out << verify.err;
  EXPECT_THAT(verify.out, HasSubstr("intact, 1 records"));
}

TEST_F(ImageHarden, KeepLeavesTheBitsOfThePathsItNames) {
  ASSERT_FALSE(import_setuid_image().empty());
  auto r = harden({"suid", "--keep", "/usr/bin/keep-me", "-o", "kept", "--format", "json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["suid"], "strip");
  EXPECT_EQ(j["suid_keep"], nlohmann::json::array({"/usr/bin/keep-me"}));
  const std::string tree = tree_of(j);
  EXPECT_EQ(mode_of(tree + "/usr/bin/keep-me"), 06711u);
  EXPECT_EQ(mode_of(tree + "/bin/su-like"), 0755u);
  auto kept = run_on("kept", "/usr/bin/keep-me");
  ASSERT_EQ(kept.status, 0) << kept.err;
  EXPECT_EQ(kept.out, "6711\n");
  // A profile pinning the new digest admits it: image.verify finds the tree
  // its config and record lead to.
  const std::string profile = work_ / "pinned.toml";
  std::ofstream(profile) << "[profile]\nname = \"pinned\"\nextends = \"default\"\n[image]\ndigest = \""
                         << j["id"].get<std::string>() << "\"\n";
  auto pinned = rf({"run", "--profile", profile, "--store", store_, "--image", "kept", "--", "echo", "pinned"});
  ASSERT_EQ(pinned.status, 0) << pinned.err;
  EXPECT_EQ(pinned.out, "pinned\n");
  const auto records = harden_records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["changed"].size(), 2u);
  EXPECT_EQ(records[0]["kept"], nlohmann::json::array({"/usr/bin/keep-me"}));
  // A --keep that names no privileged file of the image is a mistake.
  auto wrong = harden({"suid", "--keep", "/bin/sh", "-o", "wrong"});
  EXPECT_EQ(wrong.status, 2);
  EXPECT_THAT(wrong.err, HasSubstr("--keep /bin/sh: not a setuid/setgid or file-capability file"));
}

TEST_F(ImageHarden, TheSameHardenGivesTheSameImage) {
  ASSERT_FALSE(import_setuid_image().empty());
  auto first = harden({"suid", "-o", "one"});
  ASSERT_EQ(first.status, 0) << first.err;
  const auto trees = shell("ls " + store_ + "/trees | wc -l");
  auto second = harden({"suid", "-o", "two"});
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_EQ(first.out, second.out);
  EXPECT_THAT(first.out, ::testing::MatchesRegex("sha256:[0-9a-f]{64}\n"));
  EXPECT_EQ(shell("ls " + store_ + "/trees | wc -l"), trees);  // the tree was reused
  // Both names lead to the one image; a different keep list is another image.
  auto inspect = image({"inspect", "one"});
  ASSERT_EQ(inspect.status, 0) << inspect.err;
  const auto names = nlohmann::json::parse(inspect.out)[0]["names"];
  EXPECT_THAT(names.get<std::vector<std::string>>(), ::testing::UnorderedElementsAre("one", "two"));
  auto other = harden({"suid", "--keep", "/bin/su-like", "-o", "three"});
  ASSERT_EQ(other.status, 0) << other.err;
  EXPECT_NE(other.out, first.out);
  EXPECT_EQ(harden_records().size(), 3u);
}

TEST_F(ImageHarden, NothingToStripMakesNoImage) {
  ASSERT_FALSE(import_setuid_image().empty());
  auto all_kept = harden({"suid", "--keep", "/bin/su-like", "--keep", "/bin/sg-like", "--keep", "/usr/bin/keep-me",
                          "-o", "same"});
  ASSERT_EQ(all_kept.status, 0) << all_kept.err;
  EXPECT_EQ(all_kept.out, "");
  EXPECT_THAT(all_kept.err, HasSubstr("nothing to strip"));
  // A hardened image has nothing left to strip either.
  auto hard = harden({"suid", "-o", "hard", "-q"});
  ASSERT_EQ(hard.status, 0) << hard.err;
  EXPECT_EQ(hard.err, "");
  auto again = harden({"hard", "-o", "hard-again"});
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(again.out, "");
  EXPECT_THAT(again.err, HasSubstr("nothing to strip"));
  auto list = image({"list", "--format", "json"});
  ASSERT_EQ(list.status, 0) << list.err;
  EXPECT_EQ(nlohmann::json::parse(list.out).size(), 2u);  // suid and hard
  EXPECT_EQ(image({"inspect", "same"}).status, 125);
  EXPECT_EQ(harden_records().size(), 1u);
}

TEST_F(ImageHarden, NoImageWithoutItsAuditRecord) {
  ASSERT_FALSE(import_setuid_image().empty());
  auto r = rf({"image", "harden", "--store", store_, "--audit-log", "/proc/ringfence-harden/audit.jsonl", "suid", "-o",
               "unrecorded"});
  EXPECT_EQ(r.status, 125);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(image({"inspect", "unrecorded"}).status, 125);
  auto list = image({"list", "--format", "json"});
  ASSERT_EQ(list.status, 0) << list.err;
  EXPECT_EQ(nlohmann::json::parse(list.out).size(), 1u);
}

}  // namespace
}  // namespace ringfence::itest
