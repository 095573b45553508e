// Images: imported from OCI layouts and docker-archives (made here offline by
// tests/tools/make-image.py), verified blob by blob, unpacked safely, run
// with `run --image` on an overlay that never writes the store, pinned by a
// profile's [image] digest.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "harness.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string make_image_tool() { return std::string(RINGFENCE_SOURCE_DIR) + "/tests/tools/make-image.py"; }

class Images : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    if (IsSkipped()) return;
    store_ = work_ / "store";
  }

  // make-image.py ARGS OUT; returns the image ID it printed.
  std::string make(const std::string& args, const std::string& out) {
    int status = -1;
    std::string id = shell("python3 " + make_image_tool() + " " + args + " " + out, &status);
    EXPECT_EQ(status, 0) << args;
    if (!id.empty() && id.back() == '\n') id.pop_back();
    return id;
  }
  // An image of the test rootfs whose config runs `cmd`.
  std::string busybox(const std::string& out, const std::string& extra = "",
                      const std::string& config = R"({"Cmd":["/bin/sh","-c","echo default-cmd"]})") {
    return make("--layer " + test_rootfs() + " --config-json '" + config + "' " + extra, out);
  }
  Result image(std::vector<std::string> args) {
    args.insert(args.begin(), {"image", "--store", store_});
    return rf(args);
  }
  Result run_image(const std::string& ref, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"run", "--store", store_, "--image", ref};
    args.insert(args.end(), extra.begin(), extra.end());
    return rf(args);
  }
  std::vector<std::string> entries(const std::string& dir) {
    std::vector<std::string> out;
    std::istringstream names(shell("ls -A " + dir + " 2>/dev/null"));
    for (std::string n; std::getline(names, n);) out.push_back(n);
    return out;
  }

  TempDir work_{"ringfence-image"};
  std::string store_;
};

TEST_F(Images, AnOciLayoutRunsWithItsConfigsProgramEnvironmentAndDirectory) {
  const std::string id =
      busybox(work_ / "oci", "",
              R"({"Entrypoint":["/bin/sh","-c"],"Cmd":["echo cmd; pwd; echo $GREETING; id -u"],)"
              R"("Env":["GREETING=hello","PATH=/bin:/usr/bin"],"WorkingDir":"/srv","User":"65534"})");
  auto imported = image({"import", "--name", "bb:1", work_ / "oci"});
  ASSERT_EQ(imported.status, 0) << imported.err;
  EXPECT_EQ(imported.out, id + "\n");
  auto r = run_image("bb:1");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "cmd\n/srv\nhello\n65534\n");
  // Arguments after -- replace Cmd and go to the Entrypoint, as docker run's.
  auto args = run_image("bb:1", {"--", "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status"});
  ASSERT_EQ(args.status, 0) << args.err;
  EXPECT_THAT(args.out, HasSubstr("NoNewPrivs:\t1"));
  EXPECT_THAT(args.out, HasSubstr("Seccomp:\t2"));
  // -w, -e and -u still win over the image.
  auto flags = run_image("bb:1", {"-w", "/tmp", "-e", "GREETING=flag", "-u", "0", "--", "pwd; echo $GREETING; id -u"});
  ASSERT_EQ(flags.status, 0) << flags.err;
  EXPECT_EQ(flags.out, "/tmp\nflag\n0\n");
  // By ID and by a prefix of it.
  EXPECT_EQ(run_image(id.substr(7, 12), {"--", "true"}).status, 0);
  EXPECT_EQ(run_image(id, {"--", "true"}).status, 0);
}

TEST_F(Images, AnImagesUserNeverOverrulesTheProfiles) {
  busybox(work_ / "oci", "", R"({"Cmd":["id","-u"],"User":"0"})");
  ASSERT_EQ(image({"import", "--name", "root-user", work_ / "oci"}).status, 0);
  // application.toml runs as 65534; the image's USER root does not change that.
  auto r = run_image("root-user", {"--profile", "application"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "65534\n");
}

TEST_F(Images, TheStoresTreeIsNeverWritten) {
  busybox(work_ / "oci");
  auto imported = image({"import", "--name", "bb", "--format", "json", work_ / "oci"});
  ASSERT_EQ(imported.status, 0) << imported.err;
  const auto record = nlohmann::json::parse(imported.out);
  const std::string tree = store_ + "/trees/" + record["layers"].back()["tree"].get<std::string>() + "/rootfs";
  auto w = run_image("bb", {"--", "/bin/sh", "-c", "echo new > /etc/added && rm /bin/ls && cat /etc/added"});
  ASSERT_EQ(w.status, 0) << w.err;
  EXPECT_EQ(w.out, "new\n");
  EXPECT_FALSE(exists(tree + "/etc/added"));
  EXPECT_TRUE(exists(tree + "/bin/ls"));
  // The root is an overlay, and the next sandbox starts from the image again.
  auto again = run_image("bb", {"--", "/bin/sh", "-c", "test -e /etc/added || echo clean; grep ' / / ' /proc/self/mountinfo"});
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("clean\n"));
  EXPECT_THAT(again.out, HasSubstr(" - overlay "));
}

// --keep-changes DIR: the writable layer is DIR/upper on the host; the
// next run on DIR starts from what the last one left, a run without it
// from the image, and the store's tree is untouched throughout.
TEST_F(Images, KeepChangesKeepsTheWritableLayerAndTheStoreStaysClean) {
  busybox(work_ / "oci");
  auto imported = image({"import", "--name", "bb", "--format", "json", work_ / "oci"});
  ASSERT_EQ(imported.status, 0) << imported.err;
  const auto record = nlohmann::json::parse(imported.out);
  const std::string tree = store_ + "/trees/" + record["layers"].back()["tree"].get<std::string>() + "/rootfs";
  const std::string keep = work_ / "changes";
  auto first = run_image("bb", {"--keep-changes", keep, "--", "/bin/sh", "-c", "echo kept > /etc/added && rm /bin/ls"});
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_EQ(shell("cat " + keep + "/upper/etc/added"), "kept\n");
  // The removal is a whiteout in the upper layer: a character device 0/0.
  struct stat st {};
  ASSERT_EQ(lstat((keep + "/upper/bin/ls").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_FALSE(exists(tree + "/etc/added"));
  EXPECT_TRUE(exists(tree + "/bin/ls"));

  auto again = run_image("bb", {"--keep-changes", keep, "--", "/bin/sh", "-c", "cat /etc/added; test -e /bin/ls || echo gone"});
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(again.out, "kept\ngone\n");
  auto fresh = run_image("bb", {"--", "/bin/sh", "-c", "test -e /etc/added || echo clean"});
  ASSERT_EQ(fresh.status, 0) << fresh.err;
  EXPECT_EQ(fresh.out, "clean\n");

  // One sandbox at a time on DIR: two overlays writing one upper layer is
  // what overlayfs leaves undefined.
  const std::string holder = name("keeper");
  auto held = run_image("bb", {"--keep-changes", keep, "--name", holder, "--detach", "--", "/bin/sleep", "60"});
  ASSERT_EQ(held.status, 0) << held.err;
  auto second = run_image("bb", {"--keep-changes", keep, "--", "/bin/true"});
  EXPECT_EQ(second.status, 125);
  EXPECT_THAT(second.err, HasSubstr("is in use by another sandbox's overlay"));
  EXPECT_EQ(rf({"delete", "--force", holder}).status, 0);

  // DIR/upper is a directory of DIR's own, never a symlink to follow.
  const std::string elsewhere = work_ / "elsewhere";
  const std::string planted = work_ / "planted";
  ASSERT_EQ(mkdir(elsewhere.c_str(), 0700), 0);
  ASSERT_EQ(mkdir(planted.c_str(), 0700), 0);
  ASSERT_EQ(symlink(elsewhere.c_str(), (planted + "/upper").c_str()), 0);
  auto followed = run_image("bb", {"--keep-changes", planted, "--", "/bin/sh", "-c", "echo x > /etc/y"});
  EXPECT_EQ(followed.status, 125);
  EXPECT_THAT(followed.err, HasSubstr("upper"));
  EXPECT_TRUE(entries(elsewhere).empty());

  // Never inside the store, and only with an image.
  auto inside = run_image("bb", {"--keep-changes", store_ + "/trees/x", "--", "true"});
  EXPECT_EQ(inside.status, 125);
  EXPECT_THAT(inside.err, HasSubstr("inside the image store"));
  EXPECT_FALSE(exists(store_ + "/trees/x"));
  auto no_image = rf({"run", "--rootfs", test_rootfs(), "--keep-changes", keep, "--", "true"});
  EXPECT_EQ(no_image.status, 125);
  EXPECT_THAT(no_image.err, HasSubstr("--keep-changes keeps an image's writable layer"));
}

TEST_F(Images, EveryArchiveShapeImportsToTheSameImageAndSharesItsTrees) {
  const std::string id = busybox(work_ / "oci-dir");
  EXPECT_EQ(busybox(work_ / "oci.tar", "--tar --compress gzip"), id);
  EXPECT_EQ(busybox(work_ / "oci-zstd.tar", "--tar --compress zstd"), id);
  EXPECT_EQ(busybox(work_ / "docker.tar", "--tar --format docker-archive"), id);
  auto first = image({"import", "--format", "json", work_ / "docker.tar"});
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_EQ(nlohmann::json::parse(first.out)["layers_unpacked"], 1);
  for (const char* shape : {"oci-dir", "oci.tar", "oci-zstd.tar"}) {
    auto again = image({"import", "--format", "json", work_ / shape});
    ASSERT_EQ(again.status, 0) << shape << ": " << again.err;
    const auto j = nlohmann::json::parse(again.out);
    EXPECT_EQ(j["id"], id) << shape;
    EXPECT_EQ(j["layers_reused"], 1) << shape;  // verified by its digests, not unpacked again
  }
  EXPECT_EQ(entries(store_ + "/trees").size(), 1u);
  auto r = run_image("test:latest");  // the name make-image.py gives
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "default-cmd\n");
}

TEST_F(Images, ASecondImageImportsOnlyTheLayerItDoesNotShare) {
  TempDir top1, top2;
  std::ofstream(top1 / "which") << "one\n";
  std::ofstream(top2 / "which") << "two\n";
  const std::string base = "--layer " + test_rootfs() + " --config-json '{\"Cmd\":[\"cat\",\"/which\"]}' ";
  make(base + "--layer " + top1.path() + " --name one", work_ / "one");
  make(base + "--layer " + top2.path() + " --name two", work_ / "two");
  ASSERT_EQ(image({"import", work_ / "one"}).status, 0);
  auto second = image({"import", "--format", "json", work_ / "two"});
  ASSERT_EQ(second.status, 0) << second.err;
  const auto j = nlohmann::json::parse(second.out);
  EXPECT_EQ(j["layers_unpacked"], 1);
  EXPECT_EQ(j["layers_reused"], 1);
  EXPECT_EQ(run_image("one").out, "one\n");
  EXPECT_EQ(run_image("two").out, "two\n");
}

TEST_F(Images, ABlobThatIsNotItsDigestIsRefusedAndLeavesNothing) {
  busybox(work_ / "oci");
  // The layer is the largest blob: change one byte of it.
  const std::string blob = shell("ls -S " + work_ / "oci/blobs/sha256" + " | head -1");
  const std::string path = work_ / "oci/blobs/sha256/" + blob.substr(0, blob.size() - 1);
  shell("printf 'Z' | dd of=" + path + " bs=1 seek=4000 conv=notrunc 2>/dev/null");
  auto r = image({"import", work_ / "oci"});
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("digest mismatch"));
  EXPECT_THAT(entries(store_ + "/trees"), ::testing::IsEmpty());
  EXPECT_THAT(entries(store_ + "/tmp"), ::testing::IsEmpty());
  EXPECT_THAT(entries(store_ + "/images"), ::testing::IsEmpty());
  // Truncated: shorter than its descriptor.
  busybox(work_ / "oci2");
  const std::string blob2 = shell("ls -S " + work_ / "oci2/blobs/sha256" + " | head -1");
  shell("truncate -s 10000 " + work_ / "oci2/blobs/sha256/" + blob2.substr(0, blob2.size() - 1));
  auto t = image({"import", work_ / "oci2"});
  EXPECT_EQ(t.status, 125);
  EXPECT_THAT(entries(store_ + "/trees"), ::testing::IsEmpty());
  // Missing.
  busybox(work_ / "oci3");
  const std::string blob3 = shell("ls -S " + work_ / "oci3/blobs/sha256" + " | head -1");
  shell("rm " + work_ / "oci3/blobs/sha256/" + blob3.substr(0, blob3.size() - 1));
  auto m = image({"import", work_ / "oci3"});
  EXPECT_EQ(m.status, 125);
  EXPECT_THAT(m.err, HasSubstr("is missing"));
}

TEST_F(Images, ALayerWhoseContentIsNotItsDiffIdIsRefused) {
  // A docker-archive names layers only by the config's diff_ids.
  busybox(work_ / "docker", "--format docker-archive");
  std::string layer = shell("ls " + work_ / "docker" + "/*/layer.tar");
  layer.pop_back();
  // Halfway through: inside busybox's content, which is most of the layer,
  // so the tar stays a tar and only its digest tells.
  struct stat st {};
  ASSERT_EQ(stat(layer.c_str(), &st), 0);
  shell("printf 'Z' | dd of=" + layer + " bs=1 seek=" + std::to_string(st.st_size / 2) + " conv=notrunc 2>/dev/null");
  auto r = image({"import", work_ / "docker"});
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("not the layer the image names"));
  EXPECT_THAT(entries(store_ + "/trees"), ::testing::IsEmpty());
}

TEST_F(Images, AnUnsupportedMediaTypeIsRefused) {
  busybox(work_ / "oci", "--layer-media-type application/vnd.oci.image.layer.nondistributable.v1.tar");
  auto r = image({"import", work_ / "oci"});
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("layer 1: unsupported media type application/vnd.oci.image.layer.nondistributable"));
  EXPECT_THAT(entries(store_ + "/images"), ::testing::IsEmpty());
}

TEST_F(Images, WhiteoutsRemoveWhatLowerLayersMade) {
  layer_tar(work_ / "wh.tar", "add_file('.wh.ls', b'')\nadd_file('bin/.wh.ls', b'')\nadd_file('etc/.wh..wh..opq', b'')\n"
                                "add_file('etc/kept', b'mine')");
  make("--layer " + test_rootfs() + " --layer " + work_ / "wh.tar" + " --name wh", work_ / "oci");
  ASSERT_EQ(image({"import", work_ / "oci"}).status, 0);
  auto r = run_image("wh", {"--", "/bin/sh", "-c", "test -e /bin/ls || echo no-ls; ls -A /etc"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "no-ls\nkept\n");
}

TEST_F(Images, ASymlinkPlantedByALowerLayerCannotCarryWritesOut) {
  TempDir host;
  const std::string target = host / "victim";
  ::mkdir(target.c_str(), 0755);
  layer_tar(work_ / "plant.tar", "add_symlink('escape', '" + target + "')\nadd_symlink('up', '../../../../..' + '" +
                                       target + "')");
  layer_tar(work_ / "write.tar", "add_file('escape/pwned', b'owned')\nadd_file('up/pwned2', b'owned')\n"
                                   "add_file('../../../../../../" + target.substr(1) + "/pwned3', b'owned')");
  make("--layer " + test_rootfs() + " --layer " + work_ / "plant.tar" + " --layer " + work_ / "write.tar" +
           " --name hostile",
       work_ / "oci");
  auto r = image({"import", work_ / "oci"});
  EXPECT_TRUE(entries(target).empty()) << "a layer wrote into the host's " << target << ": " << r.err;
  if (r.status == 0) {
    // Whatever was accepted landed inside the image's own tree.
    auto in = run_image("hostile", {"--", "/bin/sh", "-c", "cat " + target + "/pwned"});
    EXPECT_EQ(in.out, "owned");
  } else {
    EXPECT_EQ(r.status, 125);
    EXPECT_THAT(r.err, HasSubstr("layer 3"));
  }
}

TEST_F(Images, SetuidBitsAreReportedOrStrippedAtImport) {
  layer_tar(work_ / "suid.tar", "add_file('bin/su-like', b'#!/bin/sh\\n', 0o4755)\n"
                                  "add_file('bin/keep-me', b'#!/bin/sh\\n', 0o2755)");
  make("--layer " + test_rootfs() + " --layer " + work_ / "suid.tar" + " --name suid", work_ / "oci");
  auto report = image({"import", "--format", "json", work_ / "oci"});
  ASSERT_EQ(report.status, 0) << report.err;
  auto privileged = nlohmann::json::parse(report.out)["privileged"];
  ASSERT_EQ(privileged.size(), 2u) << privileged.dump();
  EXPECT_EQ(privileged[1]["path"], "/bin/su-like");
  EXPECT_EQ(privileged[1]["mode"], "4755");
  EXPECT_EQ(privileged[1]["stripped"], false);

  auto strip = image({"import", "--suid", "strip", "--keep", "/bin/keep-me", "--name", "stripped", "--format", "json",
                      work_ / "oci"});
  ASSERT_EQ(strip.status, 0) << strip.err;
  const auto j = nlohmann::json::parse(strip.out);
  // A stripped tree is a tree of its own: the image as shipped stays.
  EXPECT_NE(j["layers"].back()["tree"], nlohmann::json::parse(report.out)["layers"].back()["tree"]);
  const std::string tree = store_ + "/trees/" + j["layers"].back()["tree"].get<std::string>() + "/rootfs";
  struct stat st {};
  ASSERT_EQ(stat((tree + "/bin/su-like").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(stat((tree + "/bin/keep-me").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 02755u);
  bool listed = false;
  for (const auto& p : j["privileged"])
    if (p["path"] == "/bin/su-like") listed = p["stripped"] == true;
  EXPECT_TRUE(listed) << j["privileged"].dump();
}

TEST_F(Images, APinnedDigestAdmitsThatImageAloneAndSaysWhichWasRefused) {
  const std::string id = busybox(work_ / "a", "--name a");
  const std::string other = busybox(work_ / "b", "--name b", R"({"Cmd":["echo","b"]})");
  ASSERT_NE(id, other);
  ASSERT_EQ(image({"import", work_ / "a"}).status, 0);
  ASSERT_EQ(image({"import", work_ / "b"}).status, 0);
  const std::string profile = work_ / "pinned.toml";
  std::ofstream(profile) << "[profile]\nname = \"pinned\"\nextends = \"default\"\n[image]\ndigest = \"" << id << "\"\n";
  auto ok = run_image("a", {"--profile", profile});
  ASSERT_EQ(ok.status, 0) << ok.err;
  EXPECT_EQ(ok.out, "default-cmd\n");
  auto refused = run_image("b", {"--profile", profile});
  EXPECT_EQ(refused.status, 125);
  EXPECT_THAT(refused.err, HasSubstr("pins image " + id + "; this is image " + other));
  auto rootfs = rf({"run", "--profile", profile, "--rootfs", test_rootfs(), "--", "true"});
  EXPECT_EQ(rootfs.status, 125);
  EXPECT_THAT(rootfs.err, HasSubstr("not an image: run it with --image"));
  // A store whose config blob was changed is caught by the re-hash.
  shell("printf ' ' >> " + store_ + "/blobs/sha256/" + id.substr(7));
  auto changed = run_image("a", {"--profile", profile});
  EXPECT_EQ(changed.status, 125);
  EXPECT_THAT(changed.err, HasSubstr("the store was changed"));
}

TEST_F(Images, AProfileNamesItsImageAndLintAsksForItsDigest) {
  const std::string id = busybox(work_ / "a", "--name named");
  ASSERT_EQ(image({"import", work_ / "a"}).status, 0);
  const std::string unpinned = work_ / "unpinned.toml";
  std::ofstream(unpinned) << "[profile]\nname = \"unpinned\"\nextends = \"default\"\n[image]\nname = \"named\"\n";
  auto r = rf({"run", "--store", store_, "--profile", unpinned});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "default-cmd\n");
  auto lint = rf({"lint", "--format", "json", unpinned});
  EXPECT_THAT(lint.out, HasSubstr("image named is not pinned by a digest"));
  const std::string pinned = work_ / "pinned.toml";
  std::ofstream(pinned) << "[profile]\nname = \"pinned\"\nextends = \"default\"\n[image]\nname = \"named\"\ndigest = \""
                        << id << "\"\n";
  EXPECT_THAT(rf({"lint", "--format", "json", pinned}).out, Not(HasSubstr("not pinned by a digest")));
  EXPECT_EQ(rf({"run", "--store", store_, "--profile", pinned}).status, 0);
  // The name moves to another image: the pinned profile refuses it.
  busybox(work_ / "b", "--name named", R"({"Cmd":["echo","other"]})");
  ASSERT_EQ(image({"import", work_ / "b"}).status, 0);
  auto moved = rf({"run", "--store", store_, "--profile", pinned});
  EXPECT_EQ(moved.status, 125);
  EXPECT_THAT(moved.err, HasSubstr("pins image " + id));
}

TEST_F(Images, RmAndGcRemoveWhatNoImageNeedsButNotWhatASandboxStandsOn) {
  busybox(work_ / "a", "--name a");
  TempDir top;
  std::ofstream(top / "b") << "b\n";
  make("--layer " + test_rootfs() + " --layer " + top.path() + " --name b --config-json '{\"Cmd\":[\"sleep\",\"600\"]}'",
       work_ / "b");
  ASSERT_EQ(image({"import", work_ / "a"}).status, 0);
  ASSERT_EQ(image({"import", work_ / "b"}).status, 0);
  EXPECT_EQ(entries(store_ + "/trees").size(), 2u);
  const std::string sandbox = name("img");
  auto started = run_image("b", {"--name", sandbox, "--detach"});
  ASSERT_EQ(started.status, 0) << started.err;
  ASSERT_EQ(image({"rm", "b"}).status, 0);
  auto gc = image({"gc"});
  ASSERT_EQ(gc.status, 0) << gc.err;
  EXPECT_EQ(entries(store_ + "/trees").size(), 2u) << "gc removed the tree a sandbox stands on";
  ASSERT_EQ(rf({"delete", "--force", sandbox}).status, 0);
  ASSERT_EQ(image({"gc"}).status, 0);
  EXPECT_EQ(entries(store_ + "/trees").size(), 1u);
  ASSERT_EQ(image({"rm", "a"}).status, 0);
  auto last = image({"gc"});
  EXPECT_THAT(last.out, HasSubstr("removed 1 trees, 2 blobs"));
  EXPECT_THAT(entries(store_ + "/trees"), ::testing::IsEmpty());
  auto list = image({"list", "--format", "json"});
  EXPECT_EQ(list.out, "[]\n");
}

// What podman itself writes, not only what make-image.py imitates: both of
// `podman save`'s formats import to podman's own image ID.
TEST_F(Images, PodmanSaveImportsToPodmansOwnImageId) {
  if (shell("command -v podman").empty()) GTEST_SKIP() << "podman is not installed";
  const std::string podman = "podman --root " + work_ / "podman" + " --runroot " + work_ / "podman-run" +
                             " --storage-driver vfs --cgroup-manager cgroupfs --events-backend none";
  int status = -1;
  shell("tar -C " + test_rootfs() + " --exclude=./dev -cf " + work_ / "rootfs.tar" + " .", &status);
  ASSERT_EQ(status, 0);
  std::string id = shell(podman + " import -q " + work_ / "rootfs.tar" + " localhost/rf-save:1 2>/dev/null", &status);
  ASSERT_EQ(status, 0) << "podman import failed";
  id = id.substr(0, id.find('\n'));
  if (id.rfind("sha256:", 0) != 0) id = "sha256:" + id;
  shell(podman + " save -q -o " + work_ / "docker.tar" + " localhost/rf-save:1 2>/dev/null", &status);
  ASSERT_EQ(status, 0) << "podman save failed";
  shell(podman + " save -q --format oci-archive -o " + work_ / "oci.tar" + " localhost/rf-save:1 2>/dev/null", &status);
  ASSERT_EQ(status, 0) << "podman save --format oci-archive failed";
  shell(podman + " rmi -a -f >/dev/null 2>&1");
  auto docker = image({"import", work_ / "docker.tar"});
  ASSERT_EQ(docker.status, 0) << docker.err;
  EXPECT_EQ(docker.out, id + "\n");
  auto oci = image({"import", "--format", "json", work_ / "oci.tar"});
  ASSERT_EQ(oci.status, 0) << oci.err;
  const auto j = nlohmann::json::parse(oci.out);
  EXPECT_EQ(j["id"], id);
  EXPECT_EQ(j["layers_reused"], 1);
  auto r = run_image("localhost/rf-save:1", {"--", "/bin/echo", "from podman"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "from podman\n");
}

TEST_F(Images, ProgressIsShownOnATerminalOnly) {
  busybox(work_ / "oci");
  // script(1) gives the import a terminal; its output is what one would see.
  const std::string typescript = shell("script -qec '" + std::string(RINGFENCE_BINARY) + " image --store " + store_ +
                                       " import " + work_ / "oci" + "' /dev/null");
  EXPECT_THAT(typescript, HasSubstr("layer 1/1: verifying and unpacking"));
  EXPECT_THAT(typescript, HasSubstr("\r\033[K"));
  // Without a terminal (the harness's pipes), none of it.
  auto piped = image({"import", work_ / "oci"});
  ASSERT_EQ(piped.status, 0) << piped.err;
  EXPECT_THAT(piped.err, Not(HasSubstr("layer 1/1")));
  EXPECT_THAT(piped.err, Not(HasSubstr("\r")));
}

TEST_F(Images, ACompressedArchiveIsRefusedWithTheCommandThatUnpacksIt) {
  busybox(work_ / "x.tar", "--tar");
  shell("gzip " + work_ / "x.tar");
  auto r = image({"import", work_ / "x.tar.gz"});
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("a gzip file: unpack it first (gunzip)"));
}

}  // namespace
}  // namespace ringfence::itest
