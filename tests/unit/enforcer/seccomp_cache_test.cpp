// The compiled-filter cache: a hit gives back exactly the program libseccomp
// made; anything that does not pass the checks is ignored, never used.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "ringfence/enforcer/seccomp_cache.h"
#include "ringfence/policy/compiler.h"

namespace ringfence::enforcer {
namespace {

class SeccompCache : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "the cache is root's";
    char tmpl[] = "/tmp/rf-cache-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = std::string(tmpl) + "/seccomp";
    auto c = policy::compile({"default"});
    ASSERT_TRUE(c.ok()) << c.diags.format();
    filter_ = (*c.plan->params<policy::StepKind::SeccompCompile>());
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(std::filesystem::path(dir_).parent_path());
  }
  std::string entry() const { return dir_ + "/" + seccomp_cache_key(filter_) + ".bpf"; }

  std::string dir_;
  policy::SeccompFilter filter_;
};

TEST_F(SeccompCache, AHitIsTheSameProgram) {
  std::string error;
  auto direct = compile_filter(filter_, error);
  ASSERT_TRUE(direct) << error;
  auto first = compile_filter_cached(filter_, error, dir_);
  ASSERT_TRUE(first) << error;
  ASSERT_TRUE(std::filesystem::exists(entry()));
  struct stat st {};
  ASSERT_EQ(stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u) << "the cache directory is root's alone";
  auto hit = load_cached_filter(dir_, seccomp_cache_key(filter_));
  ASSERT_TRUE(hit);
  ASSERT_EQ(hit->program.insns.size(), direct->program.insns.size());
  EXPECT_EQ(0, std::memcmp(hit->program.insns.data(), direct->program.insns.data(),
                           direct->program.insns.size() * sizeof(sock_filter)));
}

TEST_F(SeccompCache, ADifferentFilterHasADifferentKey) {
  policy::SeccompFilter other = filter_;
  other.default_action.errno_value = 38;
  EXPECT_NE(seccomp_cache_key(other), seccomp_cache_key(filter_));
}

TEST_F(SeccompCache, DamagedOrUntrustedEntriesAreIgnored) {
  std::string error;
  ASSERT_TRUE(compile_filter_cached(filter_, error, dir_));
  const std::string key = seccomp_cache_key(filter_);
  // One flipped byte in the program: the checksum no longer matches.
  {
    std::fstream f(entry(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-3, std::ios::end);
    f.put('\x7f');
  }
  EXPECT_FALSE(load_cached_filter(dir_, key));
  // Rebuilt, then made writable by others: no longer trusted.
  std::filesystem::remove(entry());
  ASSERT_TRUE(compile_filter_cached(filter_, error, dir_));
  ASSERT_TRUE(load_cached_filter(dir_, key));
  chmod(entry().c_str(), 0666);
  EXPECT_FALSE(load_cached_filter(dir_, key));
  chmod(entry().c_str(), 0600);
  ASSERT_EQ(chown(entry().c_str(), 65534, 65534), 0);
  EXPECT_FALSE(load_cached_filter(dir_, key)) << "an entry not owned by root";
  // A truncated entry.
  std::filesystem::remove(entry());
  ASSERT_TRUE(compile_filter_cached(filter_, error, dir_));
  std::filesystem::resize_file(entry(), 100);
  EXPECT_FALSE(load_cached_filter(dir_, key));
}

}  // namespace
}  // namespace ringfence::enforcer
