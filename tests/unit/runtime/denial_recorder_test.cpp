#include "../../../runtime/src/denial_recorder.h"

#include <sys/syscall.h>

#include <fmt/core.h>
#include <gtest/gtest.h>

namespace ringfence::runtime {
namespace {

using audit::KernelRecord;
using audit::parse_kernel_record;

KernelRecord seccomp_record(std::uint64_t serial, int ses, int pid, int nr, const char* code) {
  return *parse_kernel_record(audit::kKernelSeccomp,
                              fmt::format("audit(100.{:03}:{}): auid=0 uid=0 gid=0 ses={} pid={} comm=\"sh\" "
                                          "exe=\"/bin/busybox\" sig=0 arch=c000003e syscall={} compat=0 ip=0x1 code={}",
                                          serial % 1000, serial, ses, pid, nr, code));
}

policy::SeccompFilter mount_filter() {
  policy::SeccompFilter f;
  f.default_action = {policy::SeccompActionKind::Errno, 1};
  policy::SeccompRule mount;
  mount.syscalls = {"mount"};
  mount.action = {policy::SeccompActionKind::Errno, 13};  // EACCES
  mount.from = {"profiles/x.toml", 12, 3};
  policy::SeccompRule logged;
  logged.syscalls = {"getppid"};
  logged.action = {policy::SeccompActionKind::Log, 0};
  logged.from = {"profiles/x.toml", 20, 1};
  policy::SeccompRule clone3;
  clone3.syscalls = {"clone3"};
  clone3.action = {policy::SeccompActionKind::Errno, 38};  // ENOSYS
  f.rules = {mount, logged, clone3};
  f.enosys_above["x86_64"] = 451;
  return f;
}

struct Recorder : ::testing::Test {
  policy::SeccompFilter filter = mount_filter();
  DenialRecorder rec{&filter, DenialSource{100, 7}};
  std::vector<nlohmann::json> out;
};

TEST_F(Recorder, ARefusalOfTheSandboxNamesTheCallTheAnswerAndTheRule) {
  rec.take(seccomp_record(1, 7, 123, SYS_mount, "0x50000"), out);   // EACCES, by the mount rule
  rec.take(seccomp_record(2, 7, 123, SYS_reboot, "0x50000"), out);  // EPERM, by the default
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]["event"], "seccomp.denied");
  EXPECT_EQ(out[0]["syscall"], "mount");
  EXPECT_EQ(out[0]["answer"], "EACCES");
  EXPECT_EQ(out[0]["rule"], "profiles/x.toml:12:3");
  EXPECT_EQ(out[0]["pid"], 123);
  EXPECT_EQ(out[0]["exe"], "/bin/busybox");
  EXPECT_EQ(out[0]["arch"], "x86_64");
  EXPECT_EQ(out[1]["syscall"], "reboot");
  EXPECT_EQ(out[1]["rule"], "default");
  EXPECT_EQ(out[1]["answer"], "EPERM");
  EXPECT_EQ(rec.denials(), 2u);
}

TEST_F(Recorder, OnlyTheSandboxsRecordsAreKept) {
  rec.take(seccomp_record(1, 8, 555, SYS_mount, "0x50000"), out);  // another session, another pid
  EXPECT_TRUE(out.empty());
  rec.take(seccomp_record(2, -1, 100, SYS_mount, "0x50000"), out);  // no session, but the init's pid
  EXPECT_EQ(out.size(), 1u);
}

TEST_F(Recorder, FallbackAnswersAreNotDenialsAndLogRulesAreRecordedAsLogged) {
  // The kernel's record has the action's kind only ("code"); the answer
  // comes from the rule: ENOSYS asks the program to fall back.
  rec.take(seccomp_record(1, 7, 123, SYS_clone3, "0x50000"), out);
  rec.take(seccomp_record(4, 7, 123, 460, "0x50000"), out);  // newer than the profile
  EXPECT_TRUE(out.empty());
  rec.take(seccomp_record(2, 7, 123, SYS_getppid, "0x7ffc0000"), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["event"], "seccomp.logged");
  EXPECT_EQ(out[0]["rule"], "profiles/x.toml:20:1");
  rec.take(seccomp_record(3, 7, 123, SYS_mount, "0x7fc00000"), out);  // a notification: recorded when answered
  EXPECT_EQ(out.size(), 1u);
}

// The first hundred of a kind one by one, then one record with the count;
// every denial is in exactly one record.
TEST_F(Recorder, AStormIsCountedAndTheCountsAddUp) {
  constexpr int kCalls = 250;
  for (int i = 0; i < kCalls; ++i) rec.take(seccomp_record(1 + i, 7, 123, SYS_mount, "0x50000"), out);
  rec.take(seccomp_record(1000, 7, 123, SYS_reboot, "0x50000"), out);
  EXPECT_EQ(out.size(), DenialRecorder::kIndividually + 1);
  EXPECT_TRUE(rec.has_held());
  rec.flush(out, DenialRecorder::Flush::AtStop);
  EXPECT_FALSE(rec.has_held());
  std::uint64_t total = 0;
  int aggregated = 0;
  for (const auto& e : out) {
    total += e.value("count", std::uint64_t{1});
    if (e.value("aggregated", false)) {
      ++aggregated;
      EXPECT_EQ(e["syscall"], "mount");
      EXPECT_EQ(e["count"], kCalls - DenialRecorder::kIndividually);
      EXPECT_FALSE(e.contains("pid"));
    }
  }
  EXPECT_EQ(aggregated, 1);
  EXPECT_EQ(total, static_cast<std::uint64_t>(kCalls + 1));
  EXPECT_EQ(rec.denials(), total);
}

TEST_F(Recorder, LandlockRefusalsOfTheSandboxsDomain) {
  auto rec_of = [](int type, const std::string& text) { return *parse_kernel_record(type, text); };
  // The access comes first; the domain's record, made at its first denial,
  // names the process that made it: the sandbox's init.
  rec.take(rec_of(audit::kKernelLandlockAccess,
                  "audit(1.0:50): domain=1a2b blockers=fs.write_file path=\"/etc/x\" dev=\"vda\" ino=9"),
           out);
  rec.take(rec_of(audit::kKernelLandlockDomain,
                  "audit(1.0:50): domain=1a2b status=allocated mode=enforcing pid=100 uid=0 exe=\"/x\" comm=\"x\""),
           out);
  EXPECT_TRUE(out.empty()) << "held until its event ends";
  rec.take(rec_of(audit::kKernelEndOfEvent, "audit(1.0:50): "), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["event"], "landlock.denied");
  EXPECT_EQ(out[0]["access"], "fs.write_file");
  EXPECT_EQ(out[0]["path"], "/etc/x");
  // Later denials of that domain are the sandbox's too; another domain,
  // whose syscall record has another session, is not.
  rec.take(rec_of(audit::kKernelLandlockAccess, "audit(1.0:51): domain=1a2b blockers=fs.read_file path=\"/a\""), out);
  rec.take(rec_of(audit::kKernelLandlockAccess, "audit(1.0:52): domain=ffff blockers=fs.read_file path=\"/b\""), out);
  rec.take(rec_of(audit::kKernelSyscall, "audit(1.0:52): arch=c000003e syscall=257 ses=8 pid=999"), out);
  rec.flush(out, DenialRecorder::Flush::AtStop);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1]["path"], "/a");
}

// Another sandbox's storm between a refusal and its SYSCALL record: every
// one of its records takes a serial, so the refusal's event must not be
// judged complete by a count of serials (CI lost a landlock.denied so).
TEST_F(Recorder, AStormBetweenARefusalAndItsSyscallRecordDoesNotLoseIt) {
  auto rec_of = [](int type, const std::string& text) { return *parse_kernel_record(type, text); };
  rec.take(rec_of(audit::kKernelLandlockAccess,
                  "audit(1000.000:50): domain=77 blockers=fs.make_reg path=\"/data\" dev=\"vda\" ino=9"),
           out);
  for (std::uint64_t serial = 51; serial < 51 + 500; ++serial)
    rec.take(*parse_kernel_record(audit::kKernelSeccomp,
                                  fmt::format("audit(1000.001:{}): ses=99 pid=5000 arch=c000003e syscall=165 "
                                              "code=0x50001",
                                              serial)),
             out);
  EXPECT_TRUE(out.empty()) << out.front().dump();
  rec.take(rec_of(audit::kKernelSyscall, "audit(1000.000:50): arch=c000003e syscall=257 ses=7 pid=321"), out);
  rec.take(rec_of(audit::kKernelEndOfEvent, "audit(1000.000:50): "), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["event"], "landlock.denied");
  EXPECT_EQ(out[0]["path"], "/data");
  EXPECT_EQ(out[0]["syscall"], "openat");
}

// An event that never gets its end (no SYSCALL context) is judged once a
// record two seconds younger comes, and a periodic flush leaves an event
// that may still be coming alone.
TEST_F(Recorder, AnEventWithoutAnEndIsJudgedOnceItIsOldEnough) {
  auto rec_of = [](int type, const std::string& text) { return *parse_kernel_record(type, text); };
  rec.take(rec_of(audit::kKernelLandlockAccess, "audit(1000.000:50): domain=77 blockers=fs.read_file path=\"/a\""),
           out);
  rec.take(rec_of(audit::kKernelLandlockDomain,
                  "audit(1000.000:50): domain=77 status=allocated mode=enforcing pid=100 uid=0"),
           out);
  rec.take(seccomp_record(60, 99, 5000, 165, "0x50001"), out);  // 100.060: older than the event
  rec.take(*parse_kernel_record(audit::kKernelSeccomp,
                                "audit(1001.999:61): ses=99 pid=5000 arch=c000003e syscall=165 code=0x50001"),
           out);
  EXPECT_TRUE(out.empty());
  rec.take(*parse_kernel_record(audit::kKernelSeccomp,
                                "audit(1002.000:62): ses=99 pid=5000 arch=c000003e syscall=165 code=0x50001"),
           out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["path"], "/a");

  // A periodic flush by the clock: an event from the future is still coming.
  out.clear();
  rec.take(rec_of(audit::kKernelLandlockAccess, "audit(99999999999.000:70): domain=77 blockers=fs.read_file path=\"/b\""),
           out);
  rec.flush(out, DenialRecorder::Flush::Periodic);
  EXPECT_TRUE(out.empty());
  rec.flush(out, DenialRecorder::Flush::AtStop);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["path"], "/b");
}

// AppArmor and SELinux refusals: the decision names the task, the event's
// SYSCALL record its session. Complain mode (ALLOWED), SELinux's granted
// and another sandbox's refusals are not recorded.
TEST_F(Recorder, AppArmorAndSELinuxRefusalsOfTheSandbox) {
  auto rec_of = [](int type, const std::string& text) { return *parse_kernel_record(type, text); };
  rec.take(rec_of(audit::kKernelAvc, "audit(2.0:60): apparmor=\"DENIED\" operation=\"open\" profile=\"rf-web\" "
                                     "name=\"/etc/shadow\" pid=321 comm=\"cat\" requested_mask=\"r\" denied_mask=\"r\""),
           out);
  rec.take(rec_of(audit::kKernelSyscall, "audit(2.0:60): arch=c000003e syscall=257 ses=7 pid=321 exe=\"/bin/cat\""),
           out);
  rec.take(rec_of(audit::kKernelEndOfEvent, "audit(2.0:60): "), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["event"], "apparmor.denied");
  EXPECT_EQ(out[0]["access"], "open r");
  EXPECT_EQ(out[0]["name"], "/etc/shadow");
  EXPECT_EQ(out[0]["rule"], "apparmor rf-web");
  EXPECT_EQ(out[0]["syscall"], "openat");
  EXPECT_EQ(out[0]["exe"], "/bin/cat");

  // Complain mode let it through; another session's refusal is not ours.
  rec.take(rec_of(audit::kKernelAvc, "audit(2.0:61): apparmor=\"ALLOWED\" operation=\"open\" profile=\"rf-web\" pid=321"),
           out);
  rec.take(rec_of(audit::kKernelSyscall, "audit(2.0:61): arch=c000003e syscall=257 ses=7 pid=321"), out);
  rec.take(rec_of(audit::kKernelAvc, "audit(2.0:62): apparmor=\"DENIED\" operation=\"open\" profile=\"other\" pid=555"),
           out);
  rec.take(rec_of(audit::kKernelSyscall, "audit(2.0:62): arch=c000003e syscall=257 ses=9 pid=555"), out);

  rec.take(rec_of(audit::kKernelAvc, "audit(2.0:63): avc:  denied  { write } for  pid=322 comm=\"sh\" name=\"x\" "
                                     "scontext=u:r:container_t:s0 tcontext=u:object_r:etc_t:s0 tclass=file permissive=0"),
           out);
  rec.take(rec_of(audit::kKernelSyscall, "audit(2.0:63): arch=c000003e syscall=257 ses=7 pid=322"), out);
  rec.take(rec_of(audit::kKernelAvc, "audit(2.0:64): avc:  granted  { setenforce } for  pid=322 comm=\"sh\""), out);
  rec.take(rec_of(audit::kKernelSyscall, "audit(2.0:64): arch=c000003e syscall=1 ses=7 pid=322"), out);
  rec.flush(out, DenialRecorder::Flush::AtStop);
  ASSERT_EQ(out.size(), 2u) << out.back().dump();
  EXPECT_EQ(out[1]["event"], "selinux.denied");
  EXPECT_EQ(out[1]["access"], "file write");
  EXPECT_EQ(out[1]["tcontext"], "u:object_r:etc_t:s0");
  EXPECT_EQ(out[1]["rule"], "selinux u:r:container_t:s0");
  EXPECT_EQ(out[1]["permissive"], "0");
  EXPECT_EQ(rec.denials(), 2u);
}

}  // namespace
}  // namespace ringfence::runtime
