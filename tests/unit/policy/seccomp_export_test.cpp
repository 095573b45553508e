// `ringfence export --format docker-seccomp` and `[seccomp] base = "x.json"`:
// what one writes, the other reads back into the same plan.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <seccomp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "ringfence/policy/names.h"
#include "ringfence/policy/plan_json.h"
#include "ringfence/policy/seccomp_base.h"
#include "test_support.h"

namespace ringfence::test {
namespace {

using nlohmann::json;

const policy::SeccompFilter& filter_of(const policy::Compiled& c) {
  return (*c.plan->params<policy::StepKind::SeccompCompile>());
}

// A file under the test's temporary directory, removed at the end.
class TempFile {
 public:
  explicit TempFile(const std::string& text)
      : path_(fmt::format("{}ringfence-seccomp-{}-{}.json", ::testing::TempDir(), getpid(), counter_++)) {
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

// Compiles `profile`, exports its filter, compiles `reader` (with "{base}"
// replaced by the exported file) and expects the same plan.
void expect_round_trip(const std::string& profile, const std::string& reader) {
  const policy::Compiled original = compile_text(profile, "original.toml");
  ASSERT_TRUE(original.ok()) << original.diags.format();
  const TempFile exported(policy::export_seccomp_json(filter_of(original)));
  std::string text = reader;
  text.replace(text.find("{base}"), 6, exported.path());
  const policy::Compiled read_back = compile_text(text, "read-back.toml");
  ASSERT_TRUE(read_back.ok()) << read_back.diags.format();
  EXPECT_TRUE(read_back.diags.empty()) << read_back.diags.format();
  EXPECT_EQ(policy::plan_to_json(*read_back.plan, false).dump(1), policy::plan_to_json(*original.plan, false).dump(1));
}

TEST(SeccompExport, TheDefaultFilterReadsBackAsTheSamePlan) {
  enter_source_dir();
  expect_round_trip("[profile]\nname = \"default\"\nextends = \"default\"\n",
                    "[profile]\nname = \"default\"\nextends = \"default\"\n\n[seccomp]\nbase = \"{base}\"\n");
}

// Every action, errno values, argument comparisons (masked, on int and on
// long arguments, ne, le) and comments; the default action comes from the
// exported file, since the reading profile does not set one.
TEST(SeccompExport, RulesOfEveryKindReadBackAsTheSamePlan) {
  enter_source_dir();
  expect_round_trip(R"([profile]
name = "kinds"

[seccomp]
base = "none"
default_action = "errno"
default_errno = "EACCES"

[[seccomp.rules]]
syscalls = ["read", "write", "openat", "close", "execve", "exit_group", "mmap", "brk"]
action = "allow"

[[seccomp.rules]]
comment = "the supervisor decides"
syscalls = ["mkdirat"]
action = "notify"

[[seccomp.rules]]
comment = "a read-only tree"
syscalls = ["unlinkat", "renameat2"]
action = "errno"
errno = "EROFS"

[[seccomp.rules]]
syscalls = ["clone"]
action = "allow"
args = [{ index = 0, op = "masked_eq", mask = 0x7e020000, value = 0 }]

[[seccomp.rules]]
syscalls = ["ioctl"]
action = "errno"
errno = "ENOTTY"
args = [{ index = 1, op = "eq", value = 0x5412 }]

[[seccomp.rules]]
syscalls = ["ioctl"]
action = "allow"
args = [{ index = 1, op = "ne", value = 0x5412 }]

[[seccomp.rules]]
syscalls = ["mprotect"]
action = "allow"
args = [{ index = 2, op = "masked_eq", mask = 0x4, value = 0 }]

[[seccomp.rules]]
syscalls = ["lseek"]
action = "allow"
args = [{ index = 2, op = "le", value = 2 }, { index = 1, op = "gt", value = "0xffffffff00000000" }]

[[seccomp.rules]]
syscalls = ["kill"]
action = "log"

[[seccomp.rules]]
syscalls = ["tgkill"]
action = "trap"

[[seccomp.rules]]
syscalls = ["ptrace"]
action = "kill-process"

[[seccomp.rules]]
syscalls = ["process_vm_readv"]
action = "kill-thread"
)",
                    "[profile]\nname = \"kinds\"\n\n[seccomp]\nbase = \"{base}\"\n");
}

// The supervisor's answer to a notify rule is part of the plan: exported
// without it, the read-back plan answered EPERM where the profile said
// EACCES (found by tests/fuzz/seccomp_roundtrip.cpp, with the shipped
// tests/data/integration/notify-mkdir.toml). EPERM itself is not written.
TEST(SeccompExport, ANotifyRulesErrnoReadsBack) {
  enter_source_dir();
  const std::string profile = R"([profile]
name = "notify"
extends = "default"

[[seccomp.rules]]
syscalls = ["mkdir", "mkdirat"]
action = "notify"
errno = "EACCES"

[[seccomp.rules]]
syscalls = ["rmdir"]
action = "notify"
)";
  expect_round_trip(profile, "[profile]\nname = \"notify\"\nextends = \"default\"\n\n[seccomp]\nbase = \"{base}\"\n");
  const policy::Compiled c = compile_text(profile, "notify.toml");
  ASSERT_TRUE(c.ok()) << c.diags.format();
  const json out = json::parse(policy::export_seccomp_json(filter_of(c)));
  for (const auto& r : out["syscalls"]) {
    if (r["action"] != "SCMP_ACT_NOTIFY") continue;
    if (r["names"].front() == "rmdir")
      EXPECT_FALSE(r.contains("errnoRet")) << r.dump();
    else
      EXPECT_EQ(r.value("errnoRet", 0), EACCES) << r.dump();
  }
}

// nlohmann-json reports '1e590' as out_of_range, not as a parse_error: the
// importer let it end the process (tests/fuzz/seccomp_json.cpp).
TEST(SeccompImport, ANumberBeyondEveryRangeIsAnErrorNotACrash) {
  policy::Diagnostics diags;
  EXPECT_FALSE(policy::import_seccomp_json(R"({"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1e590})", "big.json",
                                           diags));
  EXPECT_NE(diags.format().find("invalid JSON"), std::string::npos) << diags.format();
}

TEST(SeccompExport, AnAllowByDefaultFilterReadsBack) {
  enter_source_dir();
  expect_round_trip(R"([profile]
name = "deny-list"

[seccomp]
base = "none"
default_action = "allow"

[[seccomp.rules]]
syscalls = ["mount", "umount2", "pivot_root"]
action = "errno"
)",
                    "[profile]\nname = \"deny-list\"\n\n[seccomp]\nbase = \"{base}\"\n");
}

// ------------------------------------------------------------ the format
TEST(SeccompExport, TheJsonHasWhatDockerReads) {
  enter_source_dir();
  const policy::Compiled c = policy::compile({"default"});
  ASSERT_TRUE(c.ok()) << c.diags.format();
  const json out = json::parse(policy::export_seccomp_json(filter_of(c)));

  EXPECT_EQ(out.at("defaultAction"), "SCMP_ACT_ERRNO");
  EXPECT_EQ(out.at("defaultErrnoRet"), 1);
  // Docker refuses a profile with both archMap and architectures.
  EXPECT_FALSE(out.contains("architectures"));
  ASSERT_TRUE(out.at("archMap").is_array());
  ASSERT_EQ(out["archMap"].size(), 1u);
  if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
    EXPECT_EQ(out["archMap"][0].at("architecture"), "SCMP_ARCH_X86_64");
    EXPECT_EQ(out["archMap"][0].at("subArchitectures"), json::array({"SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  }

  const std::set<std::string> actions = {"SCMP_ACT_ALLOW",        "SCMP_ACT_ERRNO", "SCMP_ACT_KILL_THREAD",
                                         "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP",  "SCMP_ACT_LOG",
                                         "SCMP_ACT_NOTIFY"};
  const std::set<std::string> ops = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
                                     "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
  ASSERT_TRUE(out.at("syscalls").is_array());
  ASSERT_FALSE(out["syscalls"].empty());
  std::size_t names = 0;
  for (const auto& rule : out["syscalls"]) {
    ASSERT_TRUE(rule.at("names").is_array()) << rule.dump();
    EXPECT_FALSE(rule["names"].empty()) << rule.dump();
    for (const auto& n : rule["names"]) {
      ASSERT_TRUE(n.is_string());
      EXPECT_TRUE(policy::syscall_known(n.get<std::string>())) << n;
      ++names;
    }
    EXPECT_TRUE(actions.count(rule.at("action").get<std::string>())) << rule.dump();
    // The runtime spec tells runtimes to fail on errnoRet for an action
    // that carries no errno.
    if (rule.contains("errnoRet")) {
      EXPECT_EQ(rule["action"], "SCMP_ACT_ERRNO") << rule.dump();
    }
    for (const auto& a : rule.value("args", json::array())) {
      EXPECT_TRUE(a.at("index").is_number_unsigned()) << a.dump();
      EXPECT_LE(a["index"].get<unsigned>(), 5u);
      EXPECT_TRUE(a.at("value").is_number_unsigned()) << a.dump();
      EXPECT_TRUE(a.at("valueTwo").is_number_unsigned()) << a.dump();
      EXPECT_TRUE(ops.count(a.at("op").get<std::string>())) << a.dump();
    }
  }
  EXPECT_GT(names, 300u);

  // Docker writes MASKED_EQ with the mask in `value` and the result in
  // `valueTwo`: the clone rule must read as Docker's own does.
  const json docker = json::parse(read_file("tests/data/docker-default-seccomp.json"));
  auto clone_args = [](const json& profile) {
    for (const auto& rule : profile["syscalls"])
      if (rule["names"] == json::array({"clone"}) && rule.value("args", json()).is_array() && !rule["args"].empty() &&
          rule["args"][0]["index"] == 0)
        return rule["args"][0];
    return json();
  };
  const json ours = clone_args(out), theirs = clone_args(docker);
  ASSERT_FALSE(ours.is_null());
  ASSERT_FALSE(theirs.is_null());
  EXPECT_EQ(ours["op"], theirs["op"]);
  EXPECT_EQ(ours["value"], theirs["value"]);
  EXPECT_EQ(ours.value("valueTwo", 0), theirs.value("valueTwo", 0));
}

// ------------------------------------------------------------ known answers
// The round trips above compare ringfence's writer with its own reader. Here
// the exported JSON is read by a second, minimal reader of Docker's format
// (moby's profiles/seccomp types: names, action, errnoRet, args with
// MASKED_EQ's mask in `value` and result in `valueTwo`), and its answers
// are compared with decisions written by hand from Docker's default.json for
// Docker's default capabilities: see the table.
struct Answer {
  std::string action;
  int errno_ret = 0;  // SCMP_ACT_ERRNO only
  bool operator==(const Answer&) const = default;
};
void PrintTo(const Answer& a, std::ostream* os) { *os << a.action << "(" << a.errno_ret << ")"; }

bool arg_holds(const json& a, std::uint64_t arg0) {
  if (a.at("index") != 0) return false;  // the table only sets arg0; the others are 0
  const auto value = a.at("value").get<std::uint64_t>(), two = a.value("valueTwo", std::uint64_t{0});
  const std::string op = a.at("op");
  if (op == "SCMP_CMP_EQ") return arg0 == value;
  if (op == "SCMP_CMP_NE") return arg0 != value;
  if (op == "SCMP_CMP_MASKED_EQ") return (arg0 & value) == two;
  ADD_FAILURE() << "op not modelled: " << a.dump();
  return false;
}

Answer decide(const json& profile, const std::string& name, std::uint64_t arg0) {
  std::vector<Answer> matches;
  for (const auto& rule : profile.at("syscalls")) {
    const auto& names = rule.at("names");
    if (std::find(names.begin(), names.end(), name) == names.end()) continue;
    // An export is for one host: it must not need Docker's includes/excludes.
    EXPECT_TRUE(rule.value("includes", json::object()).empty() && rule.value("excludes", json::object()).empty())
        << rule.dump();
    const auto args = rule.value("args", json::array());
    if (!std::all_of(args.begin(), args.end(), [&](const json& a) { return arg_holds(a, arg0); })) continue;
    const std::string action = rule.at("action");
    matches.push_back({action, action == "SCMP_ACT_ERRNO" ? rule.value("errnoRet", profile.value("defaultErrnoRet", 1)) : 0});
  }
  for (const auto& m : matches) EXPECT_EQ(m, matches.front()) << name << ": entries disagree";
  if (!matches.empty()) return matches.front();
  const std::string def = profile.at("defaultAction");
  return {def, def == "SCMP_ACT_ERRNO" ? profile.value("defaultErrnoRet", 1) : 0};
}

// From tests/data/docker-default-seccomp.json: read and getpid are in the
// first, unconditional allow list; mount, unshare and bpf need
// CAP_SYS_ADMIN, reboot CAP_SYS_BOOT, and kexec_load is in no list (the
// default: ERRNO, EPERM); chroot needs CAP_SYS_CHROOT, a default capability;
// clone is allowed when arg0 & 0x7E020000 == 0; clone3 answers errnoRet 38;
// personality is allowed for 0, 8, 0x20000, 0x20008 and 0xffffffff.
struct KnownAnswer {
  const char* syscall;
  std::uint64_t arg0;
  Answer expected;
};
const std::vector<KnownAnswer> kDockerDefaultAnswers = {
    {"read", 0, {"SCMP_ACT_ALLOW"}},
    {"getpid", 0, {"SCMP_ACT_ALLOW"}},
    {"mount", 0, {"SCMP_ACT_ERRNO", EPERM}},
    {"unshare", 0x10000000, {"SCMP_ACT_ERRNO", EPERM}},
    {"bpf", 0, {"SCMP_ACT_ERRNO", EPERM}},
    {"reboot", 0, {"SCMP_ACT_ERRNO", EPERM}},
    {"kexec_load", 0, {"SCMP_ACT_ERRNO", EPERM}},
    {"chroot", 0, {"SCMP_ACT_ALLOW"}},
    {"clone", 17, {"SCMP_ACT_ALLOW"}},                       // SIGCHLD
    {"clone", 0x10000000 | 17, {"SCMP_ACT_ERRNO", EPERM}},   // CLONE_NEWUSER
    {"clone", 0x40000000 | 17, {"SCMP_ACT_ERRNO", EPERM}},   // CLONE_NEWNET
    {"clone3", 0, {"SCMP_ACT_ERRNO", ENOSYS}},
    {"personality", 0x20008, {"SCMP_ACT_ALLOW"}},
    {"personality", 0x0040000, {"SCMP_ACT_ERRNO", EPERM}},  // ADDR_NO_RANDOMIZE
};

void expect_known_answers(const json& exported, const std::string& what) {
  for (const auto& k : kDockerDefaultAnswers)
    EXPECT_EQ(decide(exported, k.syscall, k.arg0), k.expected)
        << what << ": " << k.syscall << "(0x" << std::hex << k.arg0 << ")";
}

TEST(SeccompExport, TheDefaultProfilesExportDecidesAsDockersFileSays) {
  enter_source_dir();
  const policy::Compiled c = policy::compile({"default"});
  ASSERT_TRUE(c.ok()) << c.diags.format();
  expect_known_answers(json::parse(policy::export_seccomp_json(filter_of(c))), "default");
}

// Docker's own file read as a base and written back: the import keeps what
// the file says (the capability and arch conditions resolved for Docker's
// default capabilities on this host).
TEST(SeccompExport, DockersFileReadAndWrittenBackDecidesAsItSays) {
  enter_source_dir();
  const policy::Compiled c = compile_text(
      "[profile]\nname = \"docker\"\nextends = \"default\"\n\n[seccomp]\nbase = "
      "\"tests/data/docker-default-seccomp.json\"\n",
      "docker.toml");
  ASSERT_TRUE(c.ok()) << c.diags.format();
  expect_known_answers(json::parse(policy::export_seccomp_json(filter_of(c))), "docker-default-seccomp.json");
}

// ------------------------------------------------------------ podman's file
const policy::SeccompRule* rule_with(const policy::SeccompFilter& f, const std::string& syscall,
                                     policy::SeccompActionKind kind, std::size_t conditions) {
  for (const auto& r : f.rules)
    if (r.action.kind == kind && r.conditions.size() == conditions &&
        std::find(r.syscalls.begin(), r.syscalls.end(), syscall) != r.syscalls.end())
      return &r;
  return nullptr;
}

TEST(SeccompImport, PodmansDefaultProfileIsABase) {
  enter_source_dir();
  // Without AUDIT_WRITE, podman's profile filters socket's arguments: no
  // netlink audit sockets (AF_NETLINK = 16, NETLINK_AUDIT = 9).
  const policy::Compiled c = compile_text(R"([profile]
name = "podman"

[capabilities]
drop = ["AUDIT_WRITE"]

[seccomp]
base = "tests/data/podman-default-seccomp.json"
)",
                                          "podman.toml");
  ASSERT_TRUE(c.ok()) << c.diags.format();
  const policy::SeccompFilter& f = filter_of(c);
  // podman's allow-list names setns, and a later rule denies it without
  // CAP_SYS_ADMIN. libseccomp keeps the first rule without arguments, so
  // under podman setns is allowed: the import does the same, and says so.
  std::size_t setns_warnings = 0;
  for (const auto& d : c.diags.all()) {
    if (d.message.find("'setns'") != std::string::npos) {
      ++setns_warnings;
      continue;
    }
    EXPECT_NE(d.message.find("unknown syscall"), std::string::npos) << "only unknown names may warn: " << d.format();
  }
  EXPECT_EQ(setns_warnings, 1u) << c.diags.format();
  EXPECT_NE(rule_with(f, "setns", policy::SeccompActionKind::Allow, 0), nullptr);
  EXPECT_EQ(rule_with(f, "setns", policy::SeccompActionKind::Errno, 0), nullptr);
  // podman answers ENOSYS by default.
  EXPECT_EQ(f.default_action, (policy::SeccompAction{policy::SeccompActionKind::Errno, ENOSYS}));

  using policy::SeccompCondition;
  using policy::SeccompOp;
  const auto* deny = rule_with(f, "socket", policy::SeccompActionKind::Errno, 2);
  ASSERT_NE(deny, nullptr) << policy::plan_to_text(*c.plan);
  EXPECT_EQ(deny->action.errno_value, EINVAL);
  // socket's arguments are ints: equality on them compares 32 bits.
  EXPECT_EQ(deny->conditions, (std::vector<SeccompCondition>{{0, SeccompOp::MaskedEq, 16, 0xffffffff},
                                                             {2, SeccompOp::MaskedEq, 9, 0xffffffff}}));
  std::vector<std::vector<SeccompCondition>> allowed;
  for (const auto& r : f.rules)
    if (r.action.kind == policy::SeccompActionKind::Allow &&
        std::find(r.syscalls.begin(), r.syscalls.end(), "socket") != r.syscalls.end())
      allowed.push_back(r.conditions);
  // The file says `arg2 != 9` twice; once is enough.
  EXPECT_EQ(allowed,
            (std::vector<std::vector<SeccompCondition>>{{{2, SeccompOp::Ne, 9, 0}}, {{0, SeccompOp::Ne, 16, 0}}}));

  // With AUDIT_WRITE (as in Docker's set), podman allows every socket.
  const policy::Compiled with_audit = compile_text(
      "[profile]\nname = \"podman\"\n\n[seccomp]\nbase = \"tests/data/podman-default-seccomp.json\"\n", "podman.toml");
  ASSERT_TRUE(with_audit.ok()) << with_audit.diags.format();
  EXPECT_NE(rule_with(filter_of(with_audit), "socket", policy::SeccompActionKind::Allow, 0), nullptr);
  EXPECT_EQ(rule_with(filter_of(with_audit), "socket", policy::SeccompActionKind::Errno, 2), nullptr);
}

// ------------------------------------------------------------ bad JSON
policy::Diagnostics import_errors(const std::string& text) {
  policy::Diagnostics diags;
  EXPECT_FALSE(policy::import_seccomp_json(text, "bad.json", diags)) << text;
  EXPECT_TRUE(diags.has_errors());
  return diags;
}

TEST(SeccompImport, RefusesErrnoValuesOutOfRange) {
  // 65537 would otherwise reach libseccomp as its low 16 bits: EPERM.
  for (const char* bad : {"65537", "-1", "4096", "\"EPERM\"", "1e3"}) {
    SCOPED_TRACE(bad);
    EXPECT_NE(import_errors(fmt::format(R"({{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                 {{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errnoRet": {}}}]}})",
                                        bad))
                  .format()
                  .find("errnoRet"),
              std::string::npos);
    EXPECT_FALSE(
        import_errors(fmt::format(R"({{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": {}}})", bad)).empty());
  }
  policy::Diagnostics diags;
  const auto ok = policy::import_seccomp_json(
      R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
           {"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errnoRet": 4095}]})",
      "ok.json", diags);
  ASSERT_TRUE(ok) << diags.format();
  EXPECT_EQ(ok->default_errno.value.number, 38);
  EXPECT_EQ(ok->rules.at(0).errno_ret.value.number, 4095);
}

// podman's files name each errno next to its number ("errno": "EPERM",
// "defaultErrno": "ENOSYS"). A name alone is enough; a name and a number
// that disagree are an error, since runtimes read only the number.
TEST(SeccompImport, ReadsPodmansErrnoNames) {
  policy::Diagnostics diags;
  const auto base = policy::import_seccomp_json(
      R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrno": "ENOSYS", "syscalls": [
           {"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "errno": "EPERM"},
           {"names": ["umount2"], "action": "SCMP_ACT_ERRNO", "errno": "EROFS"}]})",
      "podman.json", diags);
  ASSERT_TRUE(base) << diags.format();
  EXPECT_TRUE(diags.empty()) << diags.format();
  EXPECT_EQ(base->default_errno.value.number, ENOSYS);
  EXPECT_EQ(base->rules.at(0).errno_ret.value.number, EPERM);
  EXPECT_EQ(base->rules.at(1).errno_ret.value.number, EROFS);

  EXPECT_NE(import_errors(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "defaultErrno": "EPERM"})")
                .format()
                .find("defaultErrno"),
            std::string::npos);
  EXPECT_NE(import_errors(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
                {"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errno": "EPREM"}]})")
                .format()
                .find("EPERM"),
            std::string::npos)
      << "suggests the nearest name";
}

TEST(SeccompImport, RefusesArgumentIndexesBeyondTheSixth) {
  const auto diags = import_errors(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]})");
  EXPECT_NE(diags.format().find("index"), std::string::npos) << diags.format();
}

}  // namespace
}  // namespace ringfence::test
