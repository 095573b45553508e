#include "ringfence/runtime/oci_cgroup.h"

#include <gtest/gtest.h>

namespace ringfence::runtime {
namespace {

std::string path(const std::string& p, bool systemd, const std::string& id = "c1") {
  auto r = oci_cgroup_path(p, systemd, id);
  return r ? *r : "error: " + r.status().message;
}

TEST(OciCgroupPath, CgroupfsPathsAreBelowEachHierarchysRoot) {
  EXPECT_EQ(path("/docker/abc", false), "docker/abc");
  EXPECT_EQ(path("/libpod_parent/libpod-abc", false), "libpod_parent/libpod-abc");
  EXPECT_EQ(path("", false, "abc"), "ringfence/abc");
  EXPECT_EQ(path("mine", false), "ringfence/mine");
}

TEST(OciCgroupPath, SystemdSlicesBecomeThePathSystemdWouldUse) {
  EXPECT_EQ(path("system.slice:docker:abc", true), "system.slice/docker-abc.scope");
  EXPECT_EQ(path("machine-libpod_pod_1.slice:libpod:abc", true), "machine.slice/machine-libpod_pod_1.slice/libpod-abc.scope");
  EXPECT_EQ(path(":crio:abc", true), "system.slice/crio-abc.scope");
  EXPECT_EQ(path("-.slice:p:abc", true), "p-abc.scope");
  EXPECT_EQ(path("user.slice::abc.slice", true), "user.slice/abc.slice");
  EXPECT_EQ(path("", true, "abc"), "system.slice/ringfence-abc.scope");
}

TEST(OciCgroupPath, WhatWouldMisplaceTheContainerIsRefused) {
  EXPECT_NE(path("system.slice:docker:abc", false).find("--systemd-cgroup"), std::string::npos);
  EXPECT_NE(path("/docker/abc", true).find("slice:prefix:name"), std::string::npos);
  EXPECT_EQ(path("/docker/../../etc", false).rfind("error", 0), 0u);
  EXPECT_EQ(path("/a//b", false).rfind("error", 0), 0u);
  EXPECT_EQ(path("system.slice:docker:../x", true).rfind("error", 0), 0u);
  EXPECT_EQ(path("sys/tem.slice:docker:x", true).rfind("error", 0), 0u);
  EXPECT_EQ(path("a--b.slice:docker:x", true).rfind("error", 0), 0u);
  EXPECT_EQ(path("notaslice:docker:x", true).rfind("error", 0), 0u);
}

}  // namespace
}  // namespace ringfence::runtime
