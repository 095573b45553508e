// What users hand ringfence must be a regular file: a directory was read as
// an empty profile (the default policy ran instead of the one asked for)
// or an empty site policy (no floor), and a FIFO blocked.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "ringfence/base/text_file.h"
#include "ringfence/policy/compiler.h"
#include "ringfence/policy/oci_config.h"
#include "ringfence/policy/site_policy.h"

namespace ringfence::policy {
namespace {

class InputFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ringfence-input-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(InputFiles, ADirectoryIsNotAnEmptyProfile) {
  auto compiled = compile({dir_}, {}, {});
  ASSERT_FALSE(compiled.ok());
  EXPECT_NE(compiled.diags.format().find("cannot read profile '" + dir_ + "': is a directory, not a file"),
            std::string::npos)
      << compiled.diags.format();
}

TEST_F(InputFiles, ADirectoryIsNotAnEmptySitePolicy) {
  Diagnostics diags;
  EXPECT_FALSE(load_site_policy(dir_, diags));
  EXPECT_NE(diags.format().find("is a directory, not a file"), std::string::npos) << diags.format();
}

TEST_F(InputFiles, ADirectoryIsNotConfigJson) {
  std::filesystem::create_directory(dir_ + "/config.json");
  Diagnostics diags;
  EXPECT_FALSE(read_oci_bundle(dir_, diags));
  EXPECT_NE(diags.format().find("is a directory, not a file"), std::string::npos) << diags.format();
}

TEST_F(InputFiles, AFifoIsRefusedWithoutWaitingForAWriter) {
  const std::string fifo = dir_ + "/profile.toml";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto text = read_text_file(fifo);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.status().message, "is not a regular file");
}

TEST_F(InputFiles, ALargeFileIsReadWhole) {
  const std::string path = dir_ + "/big.toml";
  std::string content;
  for (int i = 0; i < 20000; ++i) content += "# line " + std::to_string(i) + "\n";
  std::ofstream(path) << content;
  auto text = read_text_file(path);
  ASSERT_TRUE(text) << text.status().message;
  EXPECT_EQ(*text, content);
  EXPECT_FALSE(read_text_file(dir_ + "/missing.toml"));
}

}  // namespace
}  // namespace ringfence::policy
