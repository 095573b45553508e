// Escape attempts, measured (ringfence issue 10, finding 7): the probe
// (escape_probe.c) tries each call that only a debugger or a program
// bypassing the ordinary syscall path needs — io_uring, ptrace of its own
// child, another process's memory and descriptors, perf counters,
// userfaultfd, BPF, personality without ASLR — and prints one line each.
//
// The probe runs from a copy of the test rootfs (/bin/escape-probe), never
// from the build directory. Controls make the refusals mean something: on
// the host and under `privileged` the probe's attempts succeed, and under
// `strict` with its filter switched off the ptrace family does too — so when
// `strict` answers EPERM, its seccomp filter is what refused.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include <gmock/gmock.h>

#include "harness.h"
#include "views.h"

namespace ringfence::itest {
namespace {

// Every attempt of the probe, in the order it makes them.
const std::vector<std::string> kAttempts = {
    "io_uring_setup",   "io_uring_enter",    "io_uring_register", "ptrace_attach",   "ptrace_seize",
    "ptrace_traceme",   "process_vm_readv",  "process_vm_writev", "process_madvise", "kcmp",
    "pidfd_getfd",      "perf_event_open",   "userfaultfd",       "bpf_prog_load",   "personality_addr_no_randomize",
};

const std::vector<std::string> kIoUring = {"io_uring_setup", "io_uring_enter", "io_uring_register"};
const std::vector<std::string> kPtrace = {"ptrace_attach", "ptrace_seize", "ptrace_traceme"};

using Outcomes = std::map<std::string, std::string>;  // attempt -> "ok" or the errno's name

// The probe's lines, checked to name every attempt once, in order.
Outcomes parse(const std::string& out) {
  Outcomes got;
  std::vector<std::string> order;
  for (const auto& line : lines_of(out)) {
    const auto space = line.find(' ');
    if (space == std::string::npos) {
      ADD_FAILURE() << "not a probe line: " << line;
      continue;
    }
    order.push_back(line.substr(0, space));
    got[line.substr(0, space)] = line.substr(space + 1);
  }
  EXPECT_EQ(order, kAttempts) << "the probe did not report every attempt once:\n" << out;
  return got;
}

std::string host_io_uring_disabled() {
  std::string s = read_text("/proc/sys/kernel/io_uring_disabled");
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class Escape : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    if (IsSkipped()) return;
    ASSERT_TRUE(rootfs_.ok());
    std::filesystem::copy_file(RINGFENCE_ESCAPE_PROBE, probe_path());
    ASSERT_EQ(chmod(probe_path().c_str(), 0755), 0);
  }

  std::string probe_path() const { return rootfs_ / "/bin/escape-probe"; }

  // The probe in a sandbox of the test rootfs copy, with `flags`.
  Outcomes in_sandbox(const std::vector<std::string>& flags) {
    std::vector<std::string> a = {"run", "--name", name("escape"), "--rootfs", rootfs_.path()};
    a.insert(a.end(), flags.begin(), flags.end());
    a.insert(a.end(), {"--", "/bin/escape-probe"});
    const auto r = rf(a);
    EXPECT_EQ(r.status, 0) << r.err;
    return parse(r.out);
  }

  // The probe run directly on the host, as root and unconfined: what this
  // kernel offers at all.
  Outcomes on_host() {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) return {};
    const pid_t pid = fork();
    if (pid == 0) {
      dup2(out[1], 1);
      execl(probe_path().c_str(), "escape-probe", nullptr);
      _exit(127);
    }
    close(out[1]);
    std::string text;
    char buf[512];
    ssize_t n;
    while ((n = read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    close(out[0]);
    EXPECT_EQ(wait_status(pid), 0);
    return parse(text);
  }

  RootfsCopy rootfs_;
};

// Every attempt is refused by strict's filter: EPERM, the filter's answer,
// not whatever error the kernel would give. With the capabilities that open
// these calls in Docker's rules added on top, still: strict names the calls
// in rules of its own, which the base's capability rules cannot override.
TEST_F(Escape, StrictRefusesEveryAttemptEvenWithTheCapabilitiesThatWouldOpenThem) {
  const std::vector<std::vector<std::string>> variants = {
      {"--profile", "strict"},
      {"--profile", "strict", "--cap-add", "SYS_PTRACE", "--cap-add", "SYS_ADMIN", "--cap-add", "PERFMON", "--cap-add",
       "BPF", "--cap-add", "SYS_NICE"},
  };
  for (const auto& flags : variants) {
    SCOPED_TRACE(::testing::PrintToString(flags));
    const Outcomes got = in_sandbox(flags);
    for (const auto& attempt : kAttempts) EXPECT_EQ(got.count(attempt) ? got.at(attempt) : "(missing)", "EPERM") << attempt;
  }
}

// The control for the test above: strict without its filter (its user
// namespace, Landlock, no capabilities, all else kept) lets the ptrace family
// and the cross-process calls through, and io_uring where the host allows
// it. So the EPERMs above are the filter's doing.
TEST_F(Escape, StrictWithoutItsFilterWouldAllowThePtraceFamily) {
  const Outcomes host = on_host();
  for (const auto& attempt : kPtrace) ASSERT_EQ(host.count(attempt) ? host.at(attempt) : "", "ok") << attempt;
  const Outcomes got = in_sandbox({"--profile", "strict", "--security-opt", "seccomp=unconfined"});
  std::vector<std::string> expect_ok = {"ptrace_attach",     "ptrace_seize", "ptrace_traceme", "process_vm_readv",
                                        "process_vm_writev", "kcmp",         "pidfd_getfd"};
  if (host_io_uring_disabled() == "0") expect_ok.insert(expect_ok.end(), kIoUring.begin(), kIoUring.end());
  for (const auto& attempt : expect_ok) {
    if (host.count(attempt) && host.at(attempt) != "ok") continue;  // this kernel does not offer it at all
    EXPECT_EQ(got.count(attempt) ? got.at(attempt) : "(missing)", "ok") << attempt;
  }
}

// The control that every attempt of the probe works: whatever the host's
// kernel offers, a privileged sandbox (no filter, every capability) gets too.
TEST_F(Escape, ThePrivilegedProfileGetsWhatTheHostGets) {
  const Outcomes host = on_host();
  for (const auto& attempt : kPtrace) ASSERT_EQ(host.count(attempt) ? host.at(attempt) : "", "ok") << attempt;
  EXPECT_EQ(in_sandbox({"--profile", "privileged"}), host);
}

// default is Docker's default profile, except that io_uring is refused, as
// Docker 25 and containerd 2.0 refuse it: ptrace of its own child works
// (Docker allows ptrace from kernel 4.8 on; it is what shows that the probe
// works in this sandbox), the rest needs a capability default does not have.
TEST_F(Escape, DefaultRefusesIoUringAndLetsAProcessTraceItsOwnChild) {
  const Outcomes host = on_host();
  for (const auto& attempt : kPtrace) ASSERT_EQ(host.count(attempt) ? host.at(attempt) : "", "ok") << attempt;
  Outcomes want;
  for (const auto& attempt : kAttempts) want[attempt] = "EPERM";
  for (const auto& attempt : kPtrace) want[attempt] = "ok";
  EXPECT_EQ(in_sandbox({"--profile", "default"}), want);
  EXPECT_EQ(in_sandbox({}), want) << "no --profile is default";
}

}  // namespace
}  // namespace ringfence::itest
