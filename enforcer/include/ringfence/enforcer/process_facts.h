// A snapshot of what the kernel says about a live process: what the
// compliance check (`verify` of each step kind) judges. Read under a pidfd,
// which is checked again at the end, so the answer is about one process and
// not about whatever reused its pid. Every fact is optional: one the kernel
// does not expose stays empty and is reported as unknown, never as a pass.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ringfence/enforcer/bpf_program.h"
#include "ringfence/enforcer/device_bpf.h"
#include "ringfence/enforcer/mountinfo.h"
#include "ringfence/enforcer/proc_parse.h"
#include "ringfence/base/status.h"
#include "ringfence/policy/plan.h"

namespace ringfence::enforcer {

// Capabilities, no_new_privs, seccomp and LSM labels are per thread.
struct ThreadFacts {
  pid_t tid = 0;
  std::optional<std::uint64_t> cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
  std::optional<int> no_new_privs, seccomp_mode, seccomp_filters;
  std::optional<std::array<std::uint32_t, 4>> uids, gids;  // as the auditor's user namespace sees them
  std::optional<std::vector<std::uint32_t>> groups;
  std::optional<std::string> attr_current;   // absent: no LSM provides it
  std::optional<std::string> attr_apparmor;  // the per-LSM file under stacking
  // The thread's filters read with PTRACE_SECCOMP_GET_FILTER, newest first;
  // absent when they could not be read, with the reason.
  std::optional<std::vector<BpfProgram>> filters;
  std::string filters_unreadable;
};

struct NamespaceFact {
  std::optional<bool> shared_with_host;  // against /proc/1/ns/KIND (dev and inode)
  std::string id, host_id;               // "pid:[4026531836]", for messages
};

struct ProcessFacts {
  pid_t pid = 0;
  std::vector<ThreadFacts> threads;
  std::map<std::string, NamespaceFact> namespaces;  // "pid", "net", "user"...
  std::optional<std::vector<policy::IdMapping>> uid_map, gid_map;
  std::optional<std::string> setgroups;  // "allow" | "deny"
  std::optional<std::vector<MountInfo>> mounts;
  // The host's mounts (pid 1's, or the auditor's where pid 1 cannot be
  // read): where each of the process's mounts comes from on the host.
  std::optional<std::vector<MountInfo>> host_mounts;
  std::optional<std::vector<CgroupMembership>> cgroups;
  int cgroup_version = 0;
  // The process's cgroup directories on this host, (controllers, dir) as in
  // Cgroup::dirs, and the limit files in them that could be read.
  std::vector<std::pair<std::string, std::string>> cgroup_dirs;
  std::map<std::string, std::string> cgroup_files;  // full path -> content, trimmed
  // cgroup v2: the device programs in force for the process's cgroup, as
  // the kernel keeps them (device_bpf.h), or why they could not be read.
  std::optional<std::vector<std::vector<bpf_insn>>> device_programs;
  std::string device_programs_unreadable;
  std::optional<std::map<std::string, RlimitValue>> limits;
  std::optional<std::vector<std::string>> net_interfaces;
  // Other processes in the same network namespace (when it is not the
  // host's) whose cgroup is neither this process's nor under it: another
  // sandbox's. Each as "PID (CGROUP)".
  std::optional<std::vector<std::string>> net_peers;
  std::optional<int> oom_score_adj;
  std::map<std::string, bool> path_exists;  // the probed paths, in the process's root
  // What the launcher recorded about this sandbox (audit check --name):
  // the steps of its plan that ran, and the optional ones it skipped.
  // Absent without a launcher record (--pid).
  struct LauncherRecord {
    std::set<std::string> applied, skipped;
  };
  std::optional<LauncherRecord> launcher;
  std::optional<std::string> sandbox;  // its name, whose cgroup it must be in
};

// Which processes are in which network namespace, from one pass over
// /proc made when first needed: the reads of one sandbox's processes share
// it instead of each scanning /proc for the peers of its namespace. A
// process that enters a namespace after the pass is not counted in it.
struct NetNamespaceIndex {
  bool built = false;
  std::map<std::pair<dev_t, ino_t>, std::vector<pid_t>> members;
};

struct FactsOptions {
  bool read_seccomp_filters = true;  // needs CAP_SYS_ADMIN and ptrace; otherwise unknown
  std::vector<std::string> probe_paths;
  // cgroup files to read besides the limits (cgroup_files_to_read).
  std::vector<std::string> cgroup_files;
  // Runs after everything is read, before the pidfd is checked again (tests).
  std::function<void()> before_recheck;
  // When set, the process must have started at this time (/proc/PID/stat
  // field 22, read once the pidfd is open): a pid found earlier by a scan
  // of /proc may since belong to another process (ESRCH then).
  std::optional<unsigned long long> start_time;
  // Shared by several reads (null: each read scans /proc on its own).
  std::shared_ptr<NetNamespaceIndex> net_index;
};

// Fails with ESRCH when the process is gone (or exits, or becomes a zombie,
// before the reading is over) and with EACCES/EPERM when it cannot be read.
Status read_process_facts(pid_t pid, const FactsOptions& options, ProcessFacts& out);

// The namespace of kind `kind` ("net", "time") of the process at `proc`
// ("/proc/PID"), against the host's. A kind the kernel lacks is shared with
// the host (there is only the one); an unreadable one is unknown.
NamespaceFact namespace_fact(const std::string& proc, const std::string& kind);

// A process of a sandbox, as a scan of /proc found it.
struct SandboxProcess {
  pid_t pid = 0;
  unsigned long long start_time = 0;  // /proc/PID/stat field 22: tells a reused pid
};

// Every process of the sandbox whose init is `init`, the init first, then
// by pid: those in its pid namespace (the same device and inode of
// /proc/PID/ns/pid), and with `nested` those of the pid namespaces below it
// too (walked up with NS_GET_PARENT), whoever their parent is (a process
// `ringfence exec` started is not the init's child). When the init shares
// the auditor's own pid namespace (a sandbox started with the host's), the
// namespace does not delimit it: then its processes are the init's
// descendants and those in its cgroup or below it (not the root cgroup).
// Fails only when the init itself cannot be read.
Status sandbox_processes(pid_t init, bool nested, std::vector<SandboxProcess>& out);

// The seccomp filters of one thread, newest first, with ptrace
// (PTRACE_SEIZE, PTRACE_INTERRUPT, PTRACE_SECCOMP_GET_FILTER, detach).
Status read_seccomp_filters(pid_t tid, std::vector<BpfProgram>& out);

}  // namespace ringfence::enforcer
