// ringfence-oci features / spec / --version: what an engine asks before it
// uses a runtime.
#include <unistd.h>

#include <cstdio>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "oci_verbs.h"
#include "ringfence/enforcer/cgroup.h"
#include "ringfence/enforcer/lsm.h"
#include "ringfence/enforcer/seccomp_load.h"
#include "ringfence/policy/compiler.h"
#include "ringfence/policy/names.h"
#include "ringfence/policy/namespace_kinds.h"
#include "ringfence/policy/oci_export.h"

namespace ringfence::cli {

std::string oci_version_text() {
  return fmt::format("ringfence-oci version {}\nspec: 1.2.0\nlibseccomp: {}\n", RINGFENCE_VERSION,
                     enforcer::libseccomp_version());
}

// runtime-spec features.md.
int oci_features() {
  using nlohmann::json;
  json namespaces = json::array();
  for (const auto& k : policy::kNamespaceKinds) namespaces.push_back(std::string(k.oci));
  json caps = json::array();
  for (const auto& c : policy::all_capability_names()) caps.push_back(c);
  const auto layout = enforcer::detect_cgroup_layout();
  json f = {
      {"ociVersionMin", "1.0.0"},
      {"ociVersionMax", "1.2.0"},
      {"hooks", {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}},
      {"mountOptions",
       {"bind", "rbind", "ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec", "private", "rprivate",
        "slave", "rslave", "shared", "rshared", "unbindable", "runbindable", "relatime", "norelatime", "strictatime",
        "noatime", "nodiratime", "mode", "size", "uid", "gid", "newinstance", "ptmxmode"}},
      {"linux",
       {{"namespaces", namespaces},
        {"capabilities", caps},
        {"cgroup", {{"v1", layout.version == 1}, {"v2", layout.version == 2}, {"systemd", true}, {"systemdUser", false},
                    {"rdma", false}}},
        {"seccomp",
         {{"enabled", true},
          {"actions", {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                       "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_TRACE", "SCMP_ACT_LOG",
                       "SCMP_ACT_NOTIFY"}},
          {"operators", {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
                         "SCMP_CMP_MASKED_EQ"}},
          {"archs", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"}},
          {"knownFlags", {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"}},
          {"supportedFlags", {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"}}}},
        {"apparmor", {{"enabled", enforcer::apparmor_enabled().value_or(false)}}},
        {"selinux", {{"enabled", enforcer::selinux_enabled().value_or(false)}}},
        {"intelRdt", {{"enabled", false}}},
        {"mountExtensions", {{"idmap", {{"enabled", false}}}}}}},
      {"annotations",
       {{"org.opencontainers.runc.version", "ringfence " RINGFENCE_VERSION},
        {"io.github.seccomp.libseccomp.version", enforcer::libseccomp_version()},
        {"dev.ringfence.site-policy", "/etc/ringfence/policy.toml"}}}};
  std::printf("%s\n", f.dump(2).c_str());
  return 0;
}

// A config.json from profiles/default.toml (the embedded default), for a
// bundle whose root filesystem is ./rootfs.
int oci_spec(const std::string& bundle, bool rootless) {
  policy::CompileOptions copts;
  copts.rootfs = bundle + "/rootfs";
  copts.rootless = rootless;
  auto compiled = policy::compile({"default"}, {}, copts);
  if (!compiled.ok()) {
    std::fputs(compiled.diags.format().c_str(), stderr);
    return 1;
  }
  nlohmann::json config = policy::export_oci(*compiled.plan);
  config["ociVersion"] = "1.2.0";
  config["root"] = {{"path", "rootfs"}, {"readonly", true}};
  config["process"]["args"] = {"sh"};
  config["process"]["terminal"] = true;
  if (!config["process"].contains("cwd")) config["process"]["cwd"] = "/";
  if (!config.contains("hostname")) config["hostname"] = "ringfence";
  const std::string path = bundle + "/config.json";
  if (access(path.c_str(), F_OK) == 0) {
    std::fprintf(stderr, "ringfence-oci: %s exists; not overwritten\n", path.c_str());
    return 1;
  }
  std::FILE* out = std::fopen(path.c_str(), "wx");
  if (!out) {
    std::perror(("ringfence-oci: " + path).c_str());
    return 1;
  }
  std::fprintf(out, "%s\n", config.dump(2).c_str());
  std::fclose(out);
  return 0;
}

}  // namespace ringfence::cli
