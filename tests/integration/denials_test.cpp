// Denials recorded by default (docs/audit.md, "Denials"): every call a
// shipped profile's filter refuses is a `seccomp.denied` record read from
// the kernel's own audit records, with the rule that refused it; a storm is
// counted, and the counts add up; `seccomp.audit = false` records nothing;
// with the kernel's audit on, a write only Landlock refuses is a
// `landlock.denied` record; with it off, a Landlock profile says its
// refusals are not recorded.
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "harness.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;

const std::string kData = std::string(RINGFENCE_SOURCE_DIR) + "/tests/data/integration/";

// The kernel's audit status (AUDIT_GET), or its switch set first
// (AUDIT_SET): for the Landlock tests, which turn it on and put back what
// they found, and to read how many records the kernel itself dropped.
std::optional<audit_status> kernel_audit(std::optional<bool> set = std::nullopt) {
  const int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
  if (fd < 0) return std::nullopt;
  auto ask = [fd](std::uint16_t type, const audit_status* s) {
    struct {
      nlmsghdr h;
      audit_status s;
    } req{};
    req.h.nlmsg_len = NLMSG_LENGTH(s ? sizeof req.s : 0);
    req.h.nlmsg_type = type;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    if (s) req.s = *s;
    sockaddr_nl k{};
    k.nl_family = AF_NETLINK;
    return sendto(fd, &req, req.h.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&k), sizeof k) >= 0;
  };
  // The answer to AUDIT_GET, or whether AUDIT_SET was acknowledged.
  auto answer = [fd](std::uint16_t type) -> std::optional<audit_status> {
    alignas(nlmsghdr) char buf[4096];
    for (int i = 0; i < 3; ++i) {
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      const auto* h = reinterpret_cast<const nlmsghdr*>(buf);
      if (type == AUDIT_GET && h->nlmsg_type == AUDIT_GET) {
        audit_status st{};
        std::memcpy(&st, NLMSG_DATA(h), sizeof st);
        return st;
      }
      if (h->nlmsg_type == NLMSG_ERROR && type == AUDIT_SET)
        return reinterpret_cast<const nlmsgerr*>(NLMSG_DATA(h))->error == 0 ? std::optional(audit_status{})
                                                                             : std::nullopt;
    }
    return std::nullopt;
  };
  std::optional<audit_status> result;
  if (set) {
    audit_status s{};
    s.mask = AUDIT_STATUS_ENABLED;
    s.enabled = *set ? 1 : 0;
    if (!ask(AUDIT_SET, &s) || !answer(AUDIT_SET)) {
      close(fd);
      return std::nullopt;
    }
  }
  if (ask(AUDIT_GET, nullptr)) result = answer(AUDIT_GET);
  close(fd);
  return result;
}

std::optional<bool> audit_enabled(std::optional<bool> set = std::nullopt) {
  const auto st = kernel_audit(set);
  if (!st) return std::nullopt;
  return st->enabled != 0;
}

// Records the kernel dropped since it booted, anyone's: its queue holds
// audit_backlog_limit of them (64 by default), and Landlock's, made where
// the kernel cannot wait, are dropped while it is full.
std::optional<std::uint32_t> kernel_audit_lost() {
  const auto st = kernel_audit();
  if (!st) return std::nullopt;
  return st->lost;
}

// The kernel's audit switch is the host's: the tests that turn it on or off
// hold this lock, so that two test processes (ctest -j) do not undo each
// other's setting; each puts back what it found. The storm holds it too.
class KernelAuditSwitch {
 public:
  KernelAuditSwitch() : lock_(open("/tmp/ringfence-test-kernel-audit.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (lock_ >= 0) flock(lock_, LOCK_EX);
    was_ = audit_enabled();
  }
  ~KernelAuditSwitch() {
    if (was_ && set_ && *set_ != *was_) audit_enabled(*was_);
    if (lock_ >= 0) close(lock_);
  }
  KernelAuditSwitch(const KernelAuditSwitch&) = delete;
  KernelAuditSwitch& operator=(const KernelAuditSwitch&) = delete;

  // What the kernel had; none when it cannot be read here.
  std::optional<bool> found() const { return was_; }
  // Sets it; false when the kernel refused.
  bool set(bool on) {
    if (!was_) return false;
    if (audit_enabled(on) != on) return false;
    set_ = on;
    return true;
  }

 private:
  int lock_;
  std::optional<bool> was_, set_;
};

class Denials : public SandboxTest {
 protected:
  std::string log_text() {
    std::ifstream in(audit_log());
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::vector<nlohmann::json> events(const std::string& kind) {
    std::vector<nlohmann::json> out;
    std::ifstream in(audit_log());
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.value("event", "") == kind) out.push_back(std::move(j));
    }
    return out;
  }
};

TEST_F(Denials, EveryCallTheDefaultProfileRefusesIsRecordedWithItsRule) {
  auto r = rf(run_args({}, "mount -t tmpfs t /mnt; umount /proc; swapon /etc/passwd; echo done"));
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_THAT(r.out, HasSubstr("done"));
  std::set<std::string> refused;
  for (const auto& d : events("seccomp.denied")) {
    refused.insert(d["syscall"].get<std::string>());
    EXPECT_EQ(d["answer"], "EPERM") << d.dump();
    EXPECT_THAT(d["rule"].get<std::string>(), ::testing::Not(::testing::IsEmpty()));
    EXPECT_EQ(d["exe"], "/bin/busybox") << d.dump();
    EXPECT_GT(d["pid"].get<int>(), 0);
  }
  for (const char* call : {"mount", "umount2", "swapon"}) EXPECT_TRUE(refused.count(call)) << call;
  EXPECT_TRUE(events("denials.lost").empty());
}

TEST_F(Denials, AnAllowedRunLeavesNoDenialAndAnotherSandboxsAreNotItsOwn) {
  // Another sandbox's denials, just before, are not this one's.
  const std::string noisy_name = name("noisy");
  auto noisy = rf({"run", "--name", noisy_name, "--rootfs", test_rootfs(), "--", "/bin/sh", "-c",
                   "mount -t tmpfs t /mnt; mount -t tmpfs t /mnt; true"});
  ASSERT_EQ(noisy.status, 0) << noisy.err;
  auto r = rf(run_args({}, "echo hello; ls / >/dev/null"));
  ASSERT_EQ(r.status, 0) << r.err;
  std::size_t noisy_denials = 0;
  for (const auto& d : events("seccomp.denied")) {
    EXPECT_EQ(d["sandbox"], noisy_name) << d.dump();
    ++noisy_denials;
  }
  EXPECT_EQ(noisy_denials, 2u);
}

TEST_F(Denials, AuditFalseRecordsNothingAndTheCallIsStillRefused) {
  auto r = rf(run_args({"--profile", kData + "audit-off.toml"}, "mount -t tmpfs t /mnt 2>&1; echo rc=$?"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("rc=0")));
  EXPECT_TRUE(events("seccomp.denied").empty());
}

// 100,000 refused calls: the first hundred are a record each, the rest are
// counted; every call is in exactly one record, or counted as lost.
TEST_F(Denials, AStormIsCountedAndTheCountsAddUp) {
  // Held so that the Landlock tests (ctest -j) do not run in the storm,
  // which fills the kernel's queue: it would drop their records.
  KernelAuditSwitch quiet;
  constexpr long kCalls = 100'000;
  auto r = rf({"run", "--name", name("storm"), "--rootfs", test_rootfs(), "--profile",
               kData + "deny-mkdir.toml", "-v", notify_burst_dir() + ":/data:ro", "--", notify_burst_in_sandbox(), std::to_string(kCalls)});
  ASSERT_EQ(r.status, 0) << r.err;
  std::uint64_t recorded = 0, individual = 0, lost = 0;
  for (const auto& d : events("seccomp.denied")) {
    if (d["syscall"] != "mkdirat" && d["syscall"] != "mkdir") continue;
    EXPECT_EQ(d["answer"], "EACCES");
    EXPECT_THAT(d["rule"].get<std::string>(), HasSubstr("deny-mkdir.toml:"));
    recorded += d.value("count", std::uint64_t{1});
    if (!d.contains("count")) ++individual;
  }
  for (const auto& l : events("denials.lost")) lost += l["dropped"].get<std::uint64_t>();
  EXPECT_EQ(individual, 100u);
  // What was dropped is counted by the socket, which cannot say whose the
  // dropped records were: every call is recorded or within the loss.
  EXPECT_LE(recorded, static_cast<std::uint64_t>(kCalls));
  EXPECT_GE(recorded + lost, static_cast<std::uint64_t>(kCalls)) << "recorded " << recorded << ", lost " << lost;
#ifndef __SANITIZE_ADDRESS__
  // The optimised supervisor keeps up with a storm on two cores; the
  // sanitizer build's parses several times slower and falls behind, and
  // then says so (above).
  EXPECT_EQ(lost, 0u) << "the supervisor fell behind";
  EXPECT_EQ(recorded, static_cast<std::uint64_t>(kCalls));
#endif
  EXPECT_EQ(rf({"audit", "verify", audit_log()}).status, 0);
}

TEST_F(Denials, WithTheKernelsAuditOffLandlockSaysItIsNotRecorded) {
  KernelAuditSwitch audit;
  if (!audit.found()) GTEST_SKIP() << "the kernel's audit status cannot be read here";
  ASSERT_TRUE(audit.set(false));
  auto r = rf(run_args({"--profile", "strict"}, "true"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("Landlock's refusals are not recorded"));
  bool skipped = false;
  for (const auto& f : events("feature.skipped"))
    if (f["message"].get<std::string>().find("Landlock") != std::string::npos) skipped = true;
  EXPECT_TRUE(skipped);
}

// Under strict, a volume that the mounts and the file modes let the program
// write, outside Landlock's read_write list: only Landlock refuses the
// write, and the kernel's record of it becomes a `landlock.denied` record
// of this sandbox, naming the access and the directory.
TEST_F(Denials, AWriteOnlyLandlockRefusesIsRecordedUnderStrict) {
  KernelAuditSwitch audit;
  if (!audit.found() || !audit.set(true)) GTEST_SKIP() << "the kernel's audit cannot be switched on here";
  TempDir data("ringfence-landlock");
  ASSERT_EQ(chmod(data.path().c_str(), 0777), 0);
  const std::string n = name("landlock");
  const auto lost_before = kernel_audit_lost();
  auto r = rf({"run", "--name", n, "--rootfs", test_rootfs(), "--profile", "strict", "-v",
               data.path() + ":/data", "--", "/bin/sh", "-c",
               "touch /tmp/allowed && echo tmp-ok; echo x > /data/f || echo refused"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("tmp-ok"));
  EXPECT_THAT(r.out, HasSubstr("refused"));
  EXPECT_FALSE(std::filesystem::exists(data.path() + "/f"));
  const auto denied = events("landlock.denied");
  // The kernel drops records itself when its queue is full, whoever made
  // them; nothing that reads them can tell, and this test cannot judge.
  if (denied.empty() && lost_before && kernel_audit_lost() != lost_before)
    GTEST_SKIP() << "the kernel dropped audit records meanwhile (its backlog was full)";
  ASSERT_FALSE(denied.empty()) << "no landlock.denied record; the log:\n" << log_text();
  bool the_write = false;
  for (const auto& d : denied) {
    EXPECT_EQ(d["sandbox"], n) << d.dump();
    EXPECT_EQ(d["rule"], "landlock") << d.dump();
    const std::string access = d["access"].is_array() ? d["access"].dump() : d.value("access", "");
    // Creating /data/f is making a regular file in /data.
    if (access.find("fs.make_reg") != std::string::npos && d.value("path", "") == "/data") the_write = true;
  }
  EXPECT_TRUE(the_write) << denied.front().dump();
  // /tmp is in read_write: writing there left nothing.
  EXPECT_TRUE(events("seccomp.denied").empty());
}

// `exec` into a running sandbox: its supervisor records what the exec'd
// process was refused, between exec.start and exec.stop, once — the
// sandbox's own supervisor, which reads the same kernel records, does not
// record them a second time.
TEST_F(Denials, AnExecsRefusedCallsAreRecordedOnce) {
  const std::string n = name("exec");
  auto started = rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "--", "/bin/sleep", "600"});
  ASSERT_EQ(started.status, 0) << started.err;
  auto e = rf({"exec", n, "--", "/bin/sh", "-c", "mount -t tmpfs t /mnt; swapon /x; echo done"});
  EXPECT_EQ(e.status, 0) << e.err;
  EXPECT_THAT(e.out, HasSubstr("done"));
  // The sandbox's supervisor has read everything there was by its stop.
  ASSERT_EQ(rf({"delete", "--force", n}).status, 0);
  std::uint64_t exec_start = 0, exec_stop = 0;
  for (const auto& r : events("exec.start")) exec_start = r["seq"];
  for (const auto& r : events("exec.stop")) exec_stop = r["seq"];
  ASSERT_GT(exec_stop, exec_start);
  std::map<std::string, int> refused;
  for (const auto& d : events("seccomp.denied")) {
    EXPECT_EQ(d["sandbox"], n) << d.dump();
    EXPECT_GT(d["seq"].get<std::uint64_t>(), exec_start) << d.dump();
    EXPECT_LT(d["seq"].get<std::uint64_t>(), exec_stop) << d.dump();
    ++refused[d["syscall"].get<std::string>()];
  }
  EXPECT_EQ(refused, (std::map<std::string, int>{{"mount", 1}, {"swapon", 1}}));
}

// Every shipped profile with a filter: each call it refuses is a record with
// its rule, nothing is lost, and a run that stays within the profile leaves
// no violation record. privileged, which loads no filter, only the latter.
class DenialsUnderProfile : public Denials, public ::testing::WithParamInterface<const char*> {};

TEST_P(DenialsUnderProfile, EachRefusedCallIsRecordedAndAnAllowedRunLeavesNone) {
  const std::string profile = GetParam();
  auto allowed = rf(run_args({"--profile", profile}, "echo hello; ls / >/dev/null; id"));
  ASSERT_EQ(allowed.status, 0) << allowed.err;
  for (const char* kind : {"seccomp.denied", "landlock.denied", "denials.lost"})
    EXPECT_TRUE(events(kind).empty()) << profile << ": " << kind << " after an allowed run";
  if (profile == "privileged") return;

  auto r = rf(run_args({"--profile", profile},
                       "swapon /etc/passwd; mount -t tmpfs t /mnt; umount /proc; echo done"));
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_THAT(r.out, HasSubstr("done"));
  std::map<std::string, int> refused;
  for (const auto& d : events("seccomp.denied")) {
    ++refused[d["syscall"].get<std::string>()];
    EXPECT_EQ(d["answer"], "EPERM") << d.dump();
    EXPECT_FALSE(d["rule"].get<std::string>().empty()) << d.dump();
  }
  EXPECT_EQ(refused, (std::map<std::string, int>{{"mount", 1}, {"swapon", 1}, {"umount2", 1}})) << profile;
  EXPECT_TRUE(events("denials.lost").empty());
}

INSTANTIATE_TEST_SUITE_P(Shipped, DenialsUnderProfile, kShippedProfiles, ProfileTestName());

}  // namespace
}  // namespace ringfence::itest
