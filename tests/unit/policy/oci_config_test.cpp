// config.json as a source of the Plan: what each runtime-spec field becomes,
// and that each problem is a diagnostic at its JSON path.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "ringfence/policy/oci_config.h"
#include "ringfence/policy/oci_export.h"
#include "ringfence/policy/plan.h"

namespace ringfence::test {
namespace {

using nlohmann::json;
using policy::StepKind;

// A bundle directory with an empty rootfs/ and the given config.json.
class Bundle {
 public:
  explicit Bundle(const json& config) {
    char tmpl[] = "/tmp/ringfence-oci-unit-XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::filesystem::create_directory(dir_ + "/rootfs");
    std::ofstream(dir_ + "/config.json") << config.dump();
  }
  ~Bundle() { std::filesystem::remove_all(dir_); }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

json minimal() {
  return json{{"ociVersion", "1.0.2"},
              {"process", {{"args", {"/bin/sh"}}, {"cwd", "/"}, {"user", {{"uid", 0}, {"gid", 0}}}}},
              {"root", {{"path", "rootfs"}}},
              {"linux", {{"namespaces", {{{"type", "mount"}}, {{"type", "pid"}}}}}}};
}

struct Read {
  std::optional<policy::OciBundle> bundle;
  policy::Diagnostics diags;
};

Read read(const json& config) {
  Bundle b(config);
  Read r;
  r.bundle = policy::read_oci_bundle(b.dir(), r.diags);
  if (r.bundle) r.bundle->bundle = "<bundle>";
  return r;
}

// The one error reading `config` gives, without the bundle's directory.
std::string only_error(const json& config) {
  auto r = read(config);
  EXPECT_FALSE(r.bundle.has_value());
  EXPECT_EQ(r.diags.error_count(), 1u) << r.diags.format();
  std::string text = r.diags.format();
  const auto at = text.find("config.json:");
  return at == std::string::npos ? text : text.substr(at);
}

// The limits cgroup.create gets from `config`, which must compile.
std::optional<policy::CgroupParams> cgroup_limits_of(const json& config) {
  auto r = read(config);
  EXPECT_TRUE(r.bundle) << r.diags.format();
  if (!r.bundle) return std::nullopt;
  auto compiled = policy::compile_oci(*r.bundle);
  EXPECT_TRUE(compiled.ok()) << compiled.diags.format();
  if (!compiled.ok()) return std::nullopt;
  const auto* cg = compiled.plan->params<StepKind::CgroupCreate>();
  EXPECT_NE(cg, nullptr);
  return cg ? std::optional(*cg) : std::nullopt;
}

TEST(OciConfig, RuncsSpecBecomesThePlanItDescribes) {
  auto config = minimal();
  config["process"]["capabilities"] = {{"bounding", {"CAP_CHOWN", "CAP_KILL"}}, {"effective", {"CAP_CHOWN"}}};
  config["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 512}}};
  config["process"]["noNewPrivileges"] = true;
  config["hostname"] = "box";
  config["linux"]["namespaces"] = {{{"type", "mount"}}, {{"type", "uts"}}, {{"type", "network"}}};
  config["linux"]["resources"] = {{"memory", {{"limit", 64 << 20}}}, {"pids", {{"limit", 50}}}};
  Bundle b(config);
  policy::Diagnostics diags;
  auto bundle = policy::read_oci_bundle(b.dir(), diags);
  ASSERT_TRUE(bundle) << diags.format();
  EXPECT_EQ(bundle->root, b.dir() + "/rootfs") << "a relative root is the bundle's";
  EXPECT_EQ(bundle->args, std::vector<std::string>{"/bin/sh"});
  policy::CompileOptions options;
  options.rootfs = bundle->root;
  auto compiled = policy::compile_oci(*bundle, options);
  ASSERT_TRUE(compiled.ok()) << compiled.diags.format();
  const auto& plan = *compiled.plan;
  const auto* caps = plan.params<StepKind::CapsBounding>();
  ASSERT_NE(caps, nullptr);
  EXPECT_EQ(caps->bounding, (1ull << 0) | (1ull << 5)) << "CHOWN and KILL, nothing else";
  const auto* ns = plan.params<StepKind::NamespacesCreate>();
  ASSERT_NE(ns, nullptr);
  EXPECT_TRUE(ns->mount && ns->uts && ns->net);
  EXPECT_FALSE(ns->pid) << "absent from linux.namespaces is the host's";
  EXPECT_FALSE(ns->ipc);
  ASSERT_NE(plan.params<StepKind::UtsHostname>(), nullptr);
  EXPECT_EQ(plan.params<StepKind::UtsHostname>()->hostname, "box");
  ASSERT_NE(plan.params<StepKind::CgroupCreate>(), nullptr);
  EXPECT_EQ(plan.params<StepKind::CgroupCreate>()->memory, 64 << 20);
  EXPECT_EQ(plan.params<StepKind::CgroupCreate>()->pids_limit, 50);
  const auto* rl = plan.params<StepKind::ProcessRlimits>();
  ASSERT_NE(rl, nullptr);
  bool nofile = false;
  for (const auto& l : rl->limits)
    if (l.name == "nofile") nofile = l.soft == 512 && l.hard == 1024;
  EXPECT_TRUE(nofile);
  EXPECT_NE(plan.find(StepKind::ProcessNoNewPrivileges), nullptr);
  EXPECT_EQ(plan.find(StepKind::SeccompLoad), nullptr) << "no linux.seccomp is no filter, as the spec says";
  // The effective set asked for less than bounding: not an error.
  EXPECT_FALSE(diags.has_errors());
}

TEST(OciConfig, ProblemsNameTheirJsonPath) {
  auto wrong_type = minimal();
  wrong_type["process"]["args"] = "sh";
  EXPECT_EQ(only_error(wrong_type), "config.json:/process/args: error: must be an array of strings\n");

  auto version = minimal();
  version["ociVersion"] = "2.0.0";
  EXPECT_NE(only_error(version).find("config.json:/ociVersion"), std::string::npos);

  auto climb = minimal();
  climb["mounts"] = {{{"destination", "/a/../../etc"}, {"type", "bind"}, {"source", "/tmp"}, {"options", {"rbind"}}}};
  EXPECT_NE(only_error(climb).find("config.json:/mounts/0/destination"), std::string::npos);

  // A network namespace is joined by path; the container's user namespace
  // is always its own, and a relative path means nothing.
  auto join = minimal();
  join["linux"]["namespaces"] = {{{"type", "mount"}}, {{"type", "network"}, {"path", "/run/netns/x"}}};
  auto joined = read(join);
  ASSERT_TRUE(joined.bundle) << joined.diags.format();
  EXPECT_EQ(joined.bundle->layer.data.network.mode.value, "ns:/run/netns/x");
  EXPECT_EQ(joined.bundle->layer.data.network.mode.origin.file.substr(joined.bundle->layer.data.network.mode.origin.file.find("config.json")),
            "config.json:/linux/namespaces/1/path");
  auto join_user = minimal();
  join_user["linux"]["namespaces"] = {{{"type", "mount"}}, {{"type", "user"}, {"path", "/proc/1/ns/user"}}};
  EXPECT_NE(only_error(join_user).find("config.json:/linux/namespaces/1/path: error: joining an existing user"),
            std::string::npos);
  auto relative = minimal();
  relative["linux"]["namespaces"] = {{{"type", "mount"}}, {{"type", "ipc"}, {"path", "ns/ipc"}}};
  EXPECT_NE(only_error(relative).find("is not an absolute path"), std::string::npos);

  auto host_sysctl = minimal();
  host_sysctl["linux"]["sysctl"] = {{"vm.swappiness", "10"}};
  EXPECT_NE(only_error(host_sysctl).find("not namespaced"), std::string::npos);

  auto shared_net = minimal();
  shared_net["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}};
  EXPECT_NE(only_error(shared_net).find("own network namespace"), std::string::npos);

  auto propagation = minimal();
  propagation["linux"]["rootfsPropagation"] = "shared";
  EXPECT_NE(only_error(propagation).find("reach the host"), std::string::npos);

  auto block_io = minimal();
  block_io["linux"]["resources"] = {{"blockIO", {{"weight", 0}}}};
  block_io["linux"]["resources"]["cpu"] = {{"shares", 0}};
  block_io["linux"]["resources"]["memory"] = {{"limit", 0}};
  {
    auto r = read(block_io);
    ASSERT_TRUE(r.bundle) << "Docker's blockIO of weight 0, shares 0 and memory 0 ask for nothing: " << r.diags.format();
    auto compiled = policy::compile_oci(*r.bundle);
    EXPECT_TRUE(compiled.ok()) << compiled.diags.format();
  }
  block_io["linux"]["resources"]["blockIO"] = {{"weight", 300}, {"leafWeight", 300}};
  EXPECT_NE(only_error(block_io).find("config.json:/linux/resources/blockIO/leafWeight"), std::string::npos)
      << "CFQ's leaf weight, which no kernel since 5.0 has, is refused, not dropped";
  auto rdma = minimal();
  rdma["linux"]["resources"] = {{"rdma", {{"mlx5_1", {{"hcaHandles", 3}}}}}};
  EXPECT_NE(only_error(rdma).find("config.json:/linux/resources/rdma"), std::string::npos)
      << "a limit ringfence cannot set is refused, not dropped";

  auto no_mount_ns = minimal();
  no_mount_ns["linux"]["namespaces"] = {{{"type", "pid"}}};
  EXPECT_NE(only_error(no_mount_ns).find("mount namespace"), std::string::npos);
}

// Docker's --blkio-weight 300 --device-read-bps /dev/vda:1mb
// --device-write-iops /dev/vda:100 --blkio-weight-device /dev/sdb:50: each
// device's limits, listed by kind in config.json, become one entry, and
// `export` gives back what was read.
TEST(OciConfig, BlockIoBecomesOneEntryPerDevice) {
  auto config = minimal();
  config["linux"]["resources"]["blockIO"] = {
      {"weight", 300},
      {"weightDevice", {{{"major", 8}, {"minor", 16}, {"weight", 50}}}},
      {"throttleReadBpsDevice", {{{"major", 254}, {"minor", 0}, {"rate", 1048576}}}},
      {"throttleWriteIOPSDevice", {{{"major", 254}, {"minor", 0}, {"rate", 100}}}},
      {"throttleWriteBpsDevice", {{{"major", 254}, {"minor", 0}, {"rate", 0}}}}};
  auto r = read(config);
  ASSERT_TRUE(r.bundle) << r.diags.format();
  auto compiled = policy::compile_oci(*r.bundle);
  ASSERT_TRUE(compiled.ok()) << compiled.diags.format();
  const auto* cg = compiled.plan->params<StepKind::CgroupCreate>();
  ASSERT_NE(cg, nullptr);
  EXPECT_EQ(cg->io_weight, 300);
  ASSERT_EQ(cg->io_devices.size(), 2u);
  EXPECT_EQ(cg->io_devices[0].major, 8);
  EXPECT_EQ(cg->io_devices[0].weight, 50);
  EXPECT_FALSE(cg->io_devices[0].read_bps);
  EXPECT_EQ(cg->io_devices[1].major, 254);
  EXPECT_EQ(cg->io_devices[1].read_bps, 1048576);
  EXPECT_EQ(cg->io_devices[1].write_iops, 100);
  EXPECT_FALSE(cg->io_devices[1].write_bps) << "a rate of 0 asks for nothing, as runc reads it";

  const auto exported = policy::export_oci(*compiled.plan);
  EXPECT_EQ(exported["linux"]["resources"]["blockIO"]["weight"], 300);
  EXPECT_EQ(exported["linux"]["resources"]["blockIO"]["throttleReadBpsDevice"],
            json::parse(R"([{"major":254,"minor":0,"rate":1048576}])"));
  EXPECT_EQ(exported["linux"]["resources"]["blockIO"]["weightDevice"],
            json::parse(R"([{"major":8,"minor":16,"weight":50}])"));

  config["linux"]["resources"]["blockIO"] = {{"weight", 5}};
  auto out_of_range = read(config);
  ASSERT_TRUE(out_of_range.bundle);
  auto refused = policy::compile_oci(*out_of_range.bundle);
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.diags.format().find("'resources.io_weight' must be between 10 and 1000, not 5"), std::string::npos)
      << refused.diags.format();
  EXPECT_NE(refused.diags.format().find("config.json:/linux/resources/blockIO/weight"), std::string::npos)
      << refused.diags.format();
}

// What Kubernetes sends for a pod that asked for 4 MiB of 2 MiB pages on a
// node that also has 1 GiB ones: one entry per size, 0 for the size not
// asked for, which is a limit (none of them), not "unset".
TEST(OciConfig, HugepageLimitsAreOneEntryPerSizeAndZeroIsALimit) {
  auto config = minimal();
  config["linux"]["resources"]["hugepageLimits"] = {{{"pageSize", "2MB"}, {"limit", 4194304}},
                                                     {{"pageSize", "1GB"}, {"limit", 0}}};
  const auto cg = cgroup_limits_of(config);
  ASSERT_TRUE(cg);
  EXPECT_EQ(cg->hugepages, (std::vector<policy::HugepageLimit>{{"2MB", 4194304}, {"1GB", 0}}));
  const auto compiled = policy::compile_oci(*read(config).bundle);
  EXPECT_EQ(policy::export_oci(*compiled.plan)["linux"]["resources"]["hugepageLimits"],
            json::parse(R"([{"pageSize":"2MB","limit":4194304},{"pageSize":"1GB","limit":0}])"));

  // A size the kernel would not name so, and a limit of part of a page
  // (the kernel would round it down without a word), each at its path.
  config["linux"]["resources"]["hugepageLimits"] = {{{"pageSize", "2M"}, {"limit", 0}},
                                                     {{"pageSize", "1GB"}, {"limit", 1048576}}};
  auto bad = read(config);
  ASSERT_TRUE(bad.bundle) << bad.diags.format();
  auto refused = policy::compile_oci(*bad.bundle);
  EXPECT_FALSE(refused.ok());
  const std::string text = refused.diags.format();
  EXPECT_NE(text.find("config.json:/linux/resources/hugepageLimits/0/pageSize"), std::string::npos) << text;
  EXPECT_NE(text.find("'2M' is not a huge page size"), std::string::npos) << text;
  EXPECT_NE(text.find("config.json:/linux/resources/hugepageLimits/1/limit"), std::string::npos) << text;
  EXPECT_NE(text.find("a whole number of 1GB pages"), std::string::npos) << text;

  config["linux"]["resources"]["hugepageLimits"] = {{{"limit", 0}}};
  EXPECT_NE(only_error(config).find("config.json:/linux/resources/hugepageLimits/0"), std::string::npos);
}

// podman's --cgroup-conf: linux.resources.unified, each file as written;
// a file ringfence's own limits write is refused at its path.
TEST(OciConfig, UnifiedFilesAreKeptByName) {
  auto config = minimal();
  config["linux"]["resources"]["unified"] = {{"memory.high", "512M"}, {"cpu.idle", "1"}};
  const auto cg = cgroup_limits_of(config);
  ASSERT_TRUE(cg);
  EXPECT_EQ(cg->unified, (std::map<std::string, std::string>{{"memory.high", "512M"}, {"cpu.idle", "1"}}));
  const auto compiled = policy::compile_oci(*read(config).bundle);
  EXPECT_EQ(policy::export_oci(*compiled.plan)["linux"]["resources"]["unified"],
            json::parse(R"({"cpu.idle":"1","memory.high":"512M"})"));

  config["linux"]["resources"]["unified"] = {{"memory.max", "1G"}};
  auto bad = read(config);
  ASSERT_TRUE(bad.bundle);
  auto refused = policy::compile_oci(*bad.bundle);
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.diags.format().find("config.json:/linux/resources/unified/memory.max"), std::string::npos)
      << refused.diags.format();
  EXPECT_NE(refused.diags.format().find("set that instead"), std::string::npos);
  config["linux"]["resources"]["unified"] = {{"memory.high", 5}};
  EXPECT_NE(only_error(config).find("config.json:/linux/resources/unified/memory.high: error: must be a string"),
            std::string::npos);
}

// `ringfence-oci update`'s reading: the same reader and checks as create.
TEST(OciConfig, UpdateReadsHugepageLimitsAndBlockIoAsCreateDoes) {
  policy::CgroupParams out;
  policy::Diagnostics diags;
  const auto resources = json::parse(R"({"hugepageLimits":[{"pageSize":"2MB","limit":2097152}],
                                         "blockIO":{"weight":200}})");
  ASSERT_TRUE(policy::read_oci_update_limits(resources, "update.json", out, diags)) << diags.format();
  EXPECT_EQ(out.hugepages, (std::vector<policy::HugepageLimit>{{"2MB", 2097152}}));
  EXPECT_EQ(out.io_weight, 200);
  policy::CgroupParams refused;
  policy::Diagnostics bad;
  EXPECT_FALSE(policy::read_oci_update_limits(json::parse(R"({"hugepageLimits":[{"pageSize":"2MB","limit":1}]})"),
                                              "update.json", refused, bad));
  EXPECT_NE(bad.format().find("update.json:/hugepageLimits/0/limit"), std::string::npos) << bad.format();
  policy::Diagnostics weight;
  EXPECT_FALSE(policy::read_oci_update_limits(json::parse(R"({"blockIO":{"weight":5}})"), "update.json", refused, weight))
      << "an update cannot set a weight create would refuse";
}

TEST(OciConfig, NotJsonOrMissingIsOneErrorNotACrash) {
  char tmpl[] = "/tmp/ringfence-oci-unit-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  policy::Diagnostics diags;
  EXPECT_FALSE(policy::read_oci_bundle(dir, diags));
  EXPECT_NE(diags.format().find("cannot read"), std::string::npos) << diags.format();
  std::ofstream(dir + "/config.json") << "{\"ociVersion\": ";
  policy::Diagnostics diags2;
  EXPECT_FALSE(policy::read_oci_bundle(dir, diags2));
  EXPECT_NE(diags2.format().find("not JSON"), std::string::npos) << diags2.format();
  // A number beyond every range is out_of_range, not a parse_error, to
  // nlohmann-json: it ended the process before (tests/fuzz/oci_config.cpp).
  std::ofstream(dir + "/config.json", std::ios::trunc) << R"({"ociVersion":"1.0.2","process":{"oomScoreAdj":1e590}})";
  policy::Diagnostics diags3;
  EXPECT_FALSE(policy::read_oci_bundle(dir, diags3));
  EXPECT_NE(diags3.format().find("not JSON"), std::string::npos) << diags3.format();
  std::filesystem::remove_all(dir);
}

// `ringfence plan --oci BUNDLE/config.json` names the same bundle as
// `--oci BUNDLE`: the file's directory is the bundle.
TEST(OciConfig, TheBundleMayBeNamedByItsConfigJson) {
  Bundle b(minimal());
  policy::Diagnostics by_dir, by_file;
  const auto from_dir = policy::read_oci_bundle(b.dir(), by_dir);
  const auto from_file = policy::read_oci_bundle(b.dir() + "/config.json", by_file);
  ASSERT_TRUE(from_dir && from_file) << by_dir.format() << by_file.format();
  EXPECT_EQ(from_file->bundle, from_dir->bundle);
  EXPECT_EQ(from_file->layer.file, b.dir() + "/config.json");
  policy::Diagnostics other;
  EXPECT_FALSE(policy::read_oci_bundle(b.dir() + "/config.json/x", other));
}

TEST(OciConfig, SysctlDomainnameAndListenerAreKeptBesideTheLayer) {
  auto config = minimal();
  config["linux"]["namespaces"] = {{{"type", "mount"}}, {{"type", "network"}}, {{"type", "uts"}}, {{"type", "ipc"}}};
  config["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}, {"kernel.shmmax", "4096"}};
  config["domainname"] = "example.org";
  config["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"listenerPath", "/run/agent.sock"}};
  auto r = read(config);
  ASSERT_TRUE(r.bundle) << r.diags.format();
  const std::map<std::string, std::string> want = {
      {"kernel.domainname", "example.org"}, {"kernel.shmmax", "4096"}, {"net.ipv4.ip_forward", "1"}};
  EXPECT_EQ(r.bundle->sysctl, want);
  EXPECT_EQ(r.bundle->seccomp_listener, "/run/agent.sock") << "create refuses it by name";
}

TEST(OciConfig, AllowingEveryDeviceIsAWarningNotAWiderSandbox) {
  auto config = minimal();
  config["linux"]["resources"] = {{"devices", {{{"allow", true}, {"access", "rwm"}}}}};
  auto r = read(config);
  ASSERT_TRUE(r.bundle) << r.diags.format();
  EXPECT_FALSE(r.diags.has_errors());
  EXPECT_NE(r.diags.format().find("/linux/resources/devices/0"), std::string::npos) << r.diags.format();
  EXPECT_FALSE(r.bundle->layer.data.profile.privileged.is_set());
}

TEST(OciConfig, AnEnginesSeccompProfileKeepsRuncsMeaning) {
  // podman's shape: setns in the allow-list, and later denied without
  // CAP_SYS_ADMIN. Under runc and crun the first rule wins.
  auto config = minimal();
  config["linux"]["seccomp"] = {
      {"defaultAction", "SCMP_ACT_ERRNO"},
      {"syscalls",
       {{{"names", {"setns", "read", "write", "exit_group", "execve"}}, {"action", "SCMP_ACT_ALLOW"}},
        {{"names", {"setns"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 1}}}}};
  Bundle b(config);
  policy::Diagnostics diags;
  auto bundle = policy::read_oci_bundle(b.dir(), diags);
  ASSERT_TRUE(bundle) << diags.format();
  auto compiled = policy::compile_oci(*bundle);
  ASSERT_TRUE(compiled.ok()) << compiled.diags.format();
  const auto* filter = compiled.plan->params<StepKind::SeccompLoad>();
  ASSERT_NE(filter, nullptr);
  bool allowed = false, denied = false;
  for (const auto& rule : filter->rules)
    for (const auto& name : rule.syscalls)
      if (name == "setns") (rule.action.kind == policy::SeccompActionKind::Allow ? allowed : denied) = true;
  EXPECT_TRUE(allowed);
  EXPECT_FALSE(denied);
  EXPECT_NE(compiled.diags.format().find("first rule without arguments counts"), std::string::npos)
      << compiled.diags.format();

  // A rule the filter cannot have is named at its place in config.json.
  config["linux"]["seccomp"]["syscalls"][1]["action"] = "SCMP_ACT_SOMETIMES";
  Bundle bad(config);
  policy::Diagnostics diags2;
  auto bundle2 = policy::read_oci_bundle(bad.dir(), diags2);
  ASSERT_TRUE(bundle2) << diags2.format();
  auto failed = policy::compile_oci(*bundle2);
  EXPECT_FALSE(failed.ok());
  EXPECT_NE(failed.diags.format().find("config.json:/linux/seccomp"), std::string::npos) << failed.diags.format();
}

// `ringfence plan --oci bundle`, as the README's tour writes it: a bundle
// named relative to the working directory still finds its own seccomp.
TEST(OciConfig, ARelativeBundleFindsItsSeccompProfile) {
  auto config = minimal();
  config["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ERRNO"},
                                {"syscalls", {{{"names", {"read", "execve", "exit_group"}}, {"action", "SCMP_ACT_ALLOW"}}}}};
  Bundle b(config);
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(std::filesystem::path(b.dir()).parent_path());
  policy::Diagnostics diags;
  auto bundle = policy::read_oci_bundle(std::filesystem::path(b.dir()).filename().string(), diags);
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(bundle) << diags.format();
  auto compiled = policy::compile_oci(*bundle);
  EXPECT_TRUE(compiled.ok()) << compiled.diags.format();
}

}  // namespace
}  // namespace ringfence::test
