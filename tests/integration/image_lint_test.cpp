// `ringfence image lint`: stored images judged by CIS Docker section 4 —
// made offline (tests/tools/make-image.py, layers written by Python's
// tarfile), imported, then linted. Each control is shown both ways: an image
// with the problem gets the finding at its path, a clean image does not.
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>

#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "harness.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The findings (outcome fail) of one control in `image lint --format json`, by path.
std::set<std::string> ilint_failed(const nlohmann::json& doc, const std::string& control) {
  std::set<std::string> out;
  for (const auto& f : doc["reports"][0]["findings"])
    if (f["control"] == control && f["outcome"] == "fail")
      out.insert(f.contains("location") ? f["location"]["file"].get<std::string>() : std::string("<config>"));
  return out;
}

bool ilint_passed(const nlohmann::json& doc, const std::string& control) {
  for (const auto& f : doc["reports"][0]["findings"])
    if (f["control"] == control) return f["outcome"] == "pass";
  return false;
}

constexpr const char* kPrivateKey =
    "b'-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ==\\n"
    "-----END OPENSSH PRIVATE KEY-----\\n'";
constexpr const char* kRsaKey = "b'-----BEGIN RSA PRIVATE KEY-----\\nMIIEow==\\n-----END RSA PRIVATE KEY-----\\n'";

// A config with none of the config's problems.
constexpr const char* kCleanConfig =
    R"({"Cmd":["/app/run"],"User":"10001:10001","Env":["PATH=/app","EMPTY_TOKEN="],)"
    R"("Healthcheck":{"Test":["CMD","/app/run","--check"]}})";

class ImageLintTest : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    if (IsSkipped()) return;
    store_ = work_ / "store";
  }

  // make-image.py --layer each of `layers` with `config`, imported as `name`.
  void add_image(const std::string& name, const std::vector<std::string>& layers, const std::string& config) {
    std::string args = "python3 " + std::string(RINGFENCE_SOURCE_DIR) + "/tests/tools/make-image.py";
    for (const auto& l : layers) args += " --layer " + l;
    last_oci_ = work_ / ("oci-" + name + "-" + std::to_string(made_++));
    args += " --config-json '" + config + "' " + last_oci_;
    int status = -1;
    shell(args, &status);
    ASSERT_EQ(status, 0) << args;
    auto imported = rf({"image", "--store", store_, "import", "-q", "--name", name, last_oci_});
    ASSERT_EQ(imported.status, 0) << imported.err;
  }
  Result lint(const std::string& ref, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"image", "--store", store_, "lint", ref};
    args.insert(args.end(), extra.begin(), extra.end());
    return rf(args);
  }
  nlohmann::json lint_json(const std::string& ref, std::vector<std::string> extra = {}) {
    extra.insert(extra.end(), {"--format", "json"});
    if (std::find(extra.begin(), extra.end(), "--min-severity") == extra.end())
      extra.insert(extra.end(), {"--min-severity", "info"});
    auto r = lint(ref, extra);
    EXPECT_TRUE(r.status == 0 || r.status == 1) << r.err;
    return nlohmann::json::parse(r.out);
  }

  // An image with every problem: root, setuid, world-writable, secrets in
  // files and the environment, a shell and a package manager, no
  // HEALTHCHECK; and a symlink out of the tree to a host directory that has
  // them too, which the walk must not follow.
  void add_dirty(const std::string& name, const std::string& user = "0:0") {
    host_.emplace("ringfence-ilint-host");
    std::ofstream(*host_ / "id_rsa") << "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n";
    std::ofstream(*host_ / "open") << "x";
    ASSERT_EQ(chmod((*host_ / "open").c_str(), 0666), 0);
    layer_tar(work_ / "dirty.tar",
              std::string("add_dir('app')\n"
                          "add_dir('bin')\nadd_dir('usr')\nadd_dir('usr/bin')\nadd_dir('etc')\n"
                          "add_dir('root', 0o700)\nadd_dir('root/.ssh', 0o700)\nadd_dir('proc', 0o555)\n"
                          "add_file('app/run', b'#!/bin/sh\\n', 0o755)\n"
                          "add_file('bin/su-like', b'#!/bin/sh\\n', 0o4755)\n"
                          "add_file('bin/sg-like', b'#!/bin/sh\\n', 0o2711)\n"
                          "add_file('bin/sh', b'#!x\\n', 0o755)\n"
                          "add_file('usr/bin/apt-get', b'#!x\\n', 0o755)\n"
                          "add_symlink('usr/bin/pip', 'pip3.11')\n"
                          "add_file('etc/open.conf', b'a=1\\n', 0o666)\n"
                          "add_dir('shared', 0o777)\n"
                          "add_dir('tmp', 0o1777)\n"
                          "add_file('root/.ssh/id_ed25519', ") +
                  kPrivateKey +
                  ", 0o600)\n"
                  "add_file('app/settings.py', b'KEY = \"AKIAIOSFODNN7EXAMPLE\"\\n')\n"
                  "add_file('app/tls.pem', " + kRsaKey + ")\n"
                  "add_file('app/cert.pem', b'-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n')\n"
                  "add_file('app/public.pem', b'-----BEGIN PUBLIC KEY-----\\nMIIB\\n-----END PUBLIC KEY-----\\n')\n"
                  "add_file('app/not-a-key.txt', b'XAKIAIOSFODNN7EXAMPLE and AKIAIOSFODNN7EXAMPLEX')\n"
                  "add_file('proc/leftover', " + kRsaKey + ")\n"
                  "add_symlink('host', '" + host_->path() + "')\n"
                  "add_symlink('app/host-key', '" + (*host_ / "id_rsa") + "')\n");
    add_image(name, {work_ / "dirty.tar"},
              R"({"Cmd":["/app/run"],"User":")" + user +
                  R"(","Env":["PATH=/bin","DB_PASSWORD=hunter2","github_token=ghp_x","EMPTY_TOKEN=","PLAIN=secret"]})");
  }
  void add_clean(const std::string& name, const std::string& config = kCleanConfig) {
    layer_tar(work_ / "clean.tar",
              std::string("add_dir('app')\n"
                          "add_file('app/run', b'#!x\\n', 0o755)\n"
                          "add_file('app/cert.pem', b'-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n')\n"
                          "add_dir('tmp', 0o1777)\nadd_dir('etc')\nadd_dir('usr')\nadd_dir('usr/share')\n"
                          "add_dir('usr/share/bin', 0o755)\n"
                          "add_file('usr/share/bin/sh', b'not in a tool dir', 0o755)\n"
                          "add_file('etc/passwd', b'app:x:10001:10001::/app:/app/run\\n', 0o644)\n"));
    add_image(name, {work_ / "clean.tar"}, config);
  }

  TempDir work_{"ringfence-ilint"};
  std::optional<TempDir> host_;
  std::string store_, last_oci_;
  int made_ = 0;
};

TEST_F(ImageLintTest, ACleanImagePassesEveryControlAndExitsZero) {
  add_clean("clean");
  auto r = lint("clean", {"--min-severity", "info"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("clean: 0 failed, 7 passed"));
  const auto doc = lint_json("clean");
  for (const char* id : {"RF-IMG-003", "RF-IMG-004", "RF-IMG-005", "RF-IMG-006", "RF-IMG-007", "RF-IMG-008",
                         "RF-IMG-009"})
    EXPECT_TRUE(ilint_passed(doc, id)) << id << "\n" << doc.dump(2);
}

TEST_F(ImageLintTest, RunningAsRootIsAFindingWhateverTheSpelling) {
  add_dirty("dirty");
  EXPECT_EQ(ilint_failed(lint_json("dirty"), "RF-IMG-003"), std::set<std::string>{"<config>"});
  for (const std::string user : {"", "root", "0", "root:staff"}) {
    SCOPED_TRACE(user);
    add_clean("u", std::string(R"({"Cmd":["/app/run"],"User":")") + user +
                       R"(","Healthcheck":{"Test":["CMD","true"]}})");
    const auto doc = lint_json("u");
    EXPECT_EQ(ilint_failed(doc, "RF-IMG-003").size(), 1u) << doc.dump(2);
    // And only that: the rest of the image is clean.
    EXPECT_TRUE(ilint_passed(doc, "RF-IMG-009"));
  }
  for (const std::string user : {"10001", "app", "1000:0"}) {
    SCOPED_TRACE(user);
    add_clean("u", std::string(R"({"Cmd":["/app/run"],"User":")") + user +
                       R"(","Healthcheck":{"Test":["CMD","true"]}})");
    EXPECT_TRUE(ilint_passed(lint_json("u"), "RF-IMG-003"));
  }
}

TEST_F(ImageLintTest, SetuidAndSetgidFilesAreListedUnlessStripped) {
  add_dirty("dirty");
  const std::string dirty_oci = last_oci_;
  const auto doc = lint_json("dirty");
  EXPECT_EQ(ilint_failed(doc, "RF-IMG-004"), (std::set<std::string>{"/bin/sg-like", "/bin/su-like"}));
  auto text = lint("dirty");
  EXPECT_EQ(text.status, 1);
  EXPECT_THAT(text.out, HasSubstr("/bin/su-like: medium RF-IMG-004: /bin/su-like is setuid (mode 4755)"));
  EXPECT_THAT(text.out, HasSubstr("/bin/sg-like is setgid (mode 2711)"));
  // Imported with --suid strip the bits are gone, and so are the findings.
  auto strip = rf({"image", "--store", store_, "import", "-q", "--suid", "strip", "--name", "stripped",
                   dirty_oci});
  ASSERT_EQ(strip.status, 0) << strip.err;
  EXPECT_TRUE(ilint_passed(lint_json("stripped"), "RF-IMG-004"));
}

TEST_F(ImageLintTest, WorldWritableFilesAndDirectoriesWithoutTheStickyBitAreListed) {
  add_dirty("dirty");
  const auto doc = lint_json("dirty");
  // /tmp has the sticky bit; the host directory behind the symlink is not walked.
  EXPECT_EQ(ilint_failed(doc, "RF-IMG-005"), (std::set<std::string>{"/etc/open.conf", "/shared"}));
  add_clean("clean");
  EXPECT_TRUE(ilint_passed(lint_json("clean"), "RF-IMG-005"));
}

TEST_F(ImageLintTest, TextCapsALongListThatJsonGivesWhole) {
  std::string script = "add_dir('app')\nadd_dir('data')\nadd_file('app/run', b'#!x\\n', 0o755)\n";
  for (int i = 0; i < 25; ++i) script += "add_file('data/f" + std::to_string(i) + "', b'x', 0o666)\n";
  layer_tar(work_ / "many.tar", script);
  add_image("many", {work_ / "many.tar"}, kCleanConfig);
  EXPECT_EQ(ilint_failed(lint_json("many"), "RF-IMG-005").size(), 25u);
  auto text = lint("many");
  EXPECT_EQ(text.status, 1);
  std::size_t lines = 0;
  for (std::size_t at = text.out.find("RF-IMG-005: file "); at != std::string::npos;
       at = text.out.find("RF-IMG-005: file ", at + 1))
    ++lines;
  EXPECT_EQ(lines, 20u) << text.out;
  EXPECT_THAT(text.out, HasSubstr("RF-IMG-005: and 5 more (--format json lists every one)"));
}

TEST_F(ImageLintTest, PrivateKeysAndAwsKeysInFilesAreFoundButNotCertificatesOrWhatIsOutsideTheTree) {
  add_dirty("dirty");
  const auto doc = lint_json("dirty");
  // Not: the certificate, the public key, an AKIA run inside a longer one,
  // /proc, and the host key a symlink points at.
  EXPECT_EQ(ilint_failed(doc, "RF-IMG-006"),
            (std::set<std::string>{"/app/settings.py", "/app/tls.pem", "/root/.ssh/id_ed25519"}));
  auto text = lint("dirty");
  EXPECT_THAT(text.out, HasSubstr("/root/.ssh/id_ed25519 holds a private key (and is named like a key file)"));
  EXPECT_THAT(text.out, HasSubstr("/app/settings.py holds an AWS access key ID"));
  // The secret itself is never printed.
  EXPECT_THAT(text.out, Not(HasSubstr("AKIAIOSFODNN7EXAMPLE")));
  add_clean("clean");
  EXPECT_TRUE(ilint_passed(lint_json("clean"), "RF-IMG-006"));
}

TEST_F(ImageLintTest, SecretsInTheEnvironmentAreNamedWithoutTheirValues) {
  add_dirty("dirty");
  auto r = lint("dirty", {"--format", "json"});
  EXPECT_EQ(r.status, 1);
  const auto doc = nlohmann::json::parse(r.out);
  std::set<std::string> messages;
  for (const auto& f : doc["reports"][0]["findings"])
    if (f["control"] == "RF-IMG-007" && f["outcome"] == "fail") messages.insert(f["message"].get<std::string>());
  ASSERT_EQ(messages.size(), 2u) << doc.dump(2);
  EXPECT_THAT(*messages.begin(), HasSubstr("Env DB_PASSWORD "));
  EXPECT_THAT(*messages.rbegin(), HasSubstr("Env github_token "));
  EXPECT_THAT(r.out, Not(HasSubstr("hunter2")));
  add_clean("clean");  // EMPTY_TOKEN= has no value
  EXPECT_TRUE(ilint_passed(lint_json("clean"), "RF-IMG-007"));
}

TEST_F(ImageLintTest, ShellsAndPackageManagersAreInformational) {
  add_dirty("dirty");
  const auto doc = lint_json("dirty");
  EXPECT_EQ(ilint_failed(doc, "RF-IMG-008"), (std::set<std::string>{"/bin/sh", "/usr/bin/apt-get", "/usr/bin/pip"}));
  // Info: not judged at the default minimum severity.
  // Kept in a variable: a range-for over a member of the temporary would
  // outlive it.
  const auto at_low = lint_json("dirty", {"--min-severity", "low"});
  for (const auto& f : at_low["reports"][0]["findings"])
    EXPECT_NE(f["control"], "RF-IMG-008");
  auto text = lint("dirty");
  EXPECT_THAT(text.out, Not(HasSubstr("RF-IMG-008")));
  // The test rootfs (busybox) has its shell.
  add_image("busybox", {test_rootfs()}, R"({"Cmd":["/bin/sh"],"User":"65534"})");
  EXPECT_EQ(ilint_failed(lint_json("busybox"), "RF-IMG-008").count("/bin/sh"), 1u);
  add_clean("clean");  // a "sh" outside the tool directories is not one
  EXPECT_TRUE(ilint_passed(lint_json("clean"), "RF-IMG-008"));
}

TEST_F(ImageLintTest, AMissingOrNoneHealthcheckIsAFinding) {
  add_dirty("dirty");
  EXPECT_EQ(ilint_failed(lint_json("dirty"), "RF-IMG-009"), std::set<std::string>{"<config>"});
  add_clean("none", R"({"Cmd":["/app/run"],"User":"10001","Healthcheck":{"Test":["NONE"]}})");
  EXPECT_EQ(ilint_failed(lint_json("none"), "RF-IMG-009").size(), 1u);
  add_clean("clean");
  EXPECT_TRUE(ilint_passed(lint_json("clean"), "RF-IMG-009"));
}

TEST_F(ImageLintTest, SarifAndJunitCarryTheImageControls) {
  add_dirty("dirty");
  auto r = lint("dirty", {"--format", "sarif"});
  EXPECT_EQ(r.status, 1) << r.err;
  const auto sarif = nlohmann::json::parse(r.out);
  EXPECT_EQ(sarif["version"], "2.1.0");
  const auto& run = sarif["runs"][0];
  bool rule = false;
  for (const auto& x : run["tool"]["driver"]["rules"]) rule = rule || x["id"] == "RF-IMG-006";
  EXPECT_TRUE(rule);
  bool key = false;
  for (const auto& x : run["results"])
    if (x["ruleId"] == "RF-IMG-006" && x["kind"] == "fail" && x["level"] == "error")
      key = key || x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "file:///root/.ssh/id_ed25519";
  EXPECT_TRUE(key) << run["results"].dump(2);
  auto junit = lint("dirty", {"--format", "junit"});
  EXPECT_EQ(junit.status, 1);
  EXPECT_THAT(junit.out, HasSubstr("RF-IMG-009 No HEALTHCHECK in the image"));
  EXPECT_THAT(junit.out, HasSubstr("<failure"));
}

TEST_F(ImageLintTest, ExitCodesFollowLint) {
  add_dirty("dirty");
  add_clean("clean");
  EXPECT_EQ(lint("dirty").status, 1);
  EXPECT_EQ(lint("clean").status, 0);
  // Below the minimum severity nothing is judged: a root image with no
  // HEALTHCHECK (medium, low) passes at high.
  add_clean("root", R"({"Cmd":["/app/run"]})");
  EXPECT_EQ(lint("root").status, 1);
  auto high = lint("root", {"--min-severity", "high"});
  EXPECT_EQ(high.status, 0) << high.out;
  // No such image, an unknown format: usage errors. `--store` after the
  // subcommand works too.
  auto missing = lint("no-such-image");
  EXPECT_EQ(missing.status, 2);
  EXPECT_THAT(missing.err, HasSubstr("no-such-image"));
  EXPECT_EQ(lint("clean", {"--format", "yaml"}).status, 2);
  EXPECT_EQ(rf({"image", "lint", "clean", "--store", store_}).status, 0);
}

}  // namespace
}  // namespace ringfence::itest
