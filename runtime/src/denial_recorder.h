// Turns the kernel's audit records into a sandbox's denial records
// (docs/audit.md, "Denials"): which records are this sandbox's, what each
// says in the log's own terms (the syscall's name, the rule of the profile
// that refused it), and how a storm is kept from flooding the log.
//
// A record is the sandbox's when it carries the sandbox's audit session
// (audit_session.h), or the pid of its init; without a session of its own,
// when its process is still alive in the sandbox's pid namespace.
//
// A storm: the first kIndividually denials of each kind (a syscall and its
// answer; a Landlock, AppArmor or SELinux access) are a record each; after
// that they are counted, and one record per kind with `count` says how many
// more there were, every kSummaryInterval and when the sandbox stops. The counts add up: every
// denial the supervisor read is in exactly one record.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringfence/audit/kernel_record.h"
#include "ringfence/policy/plan.h"
#include "ringfence/policy/seccomp_query.h"

namespace ringfence::runtime {

struct DenialSource {
  pid_t init = 0;                        // the sandbox's first process, as the host numbers it
  std::optional<std::uint32_t> session;  // its audit session, when it has one of its own
};

class DenialRecorder {
 public:
  static constexpr std::uint64_t kIndividually = 100;
  static constexpr auto kSummaryInterval = std::chrono::seconds(10);

  // `filter`: the plan's (nullptr without one), for the rule that refused.
  DenialRecorder(const policy::SeccompFilter* filter, DenialSource source);
  const DenialSource& source() const { return source_; }

  // One record of the kernel's: appends the events it makes to `out`.
  void take(const audit::KernelRecord& record, std::vector<nlohmann::json>& out);
  // The counted denials, and Landlock records still waiting for the rest
  // of their event, as records: every kSummaryInterval (Periodic: only the
  // events that are complete), and at the stop (all of them).
  enum class Flush { Periodic, AtStop };
  void flush(std::vector<nlohmann::json>& out, Flush when);
  // Something for flush to write: counts, or Landlock records held.
  bool has_held() const { return !counted_.empty() || !pending_.empty(); }

  std::uint64_t denials() const { return denials_; }  // every one read, recorded or counted

 private:
  bool ours(const audit::KernelRecord& r);
  void seccomp(const audit::KernelRecord& r, std::vector<nlohmann::json>& out);
  void emit(const std::string& key, nlohmann::json event, std::vector<nlohmann::json>& out);
  struct Pending;
  void settle(std::uint64_t serial, std::vector<nlohmann::json>& out);
  // Settles the events that ended, or began kEventWindowMs before `newest_ms`.
  void settle_complete(std::uint64_t newest_ms, std::vector<nlohmann::json>& out);
  void mac_denial(const audit::KernelRecord& r, const Pending& p, std::vector<nlohmann::json>& out);
  static void add_syscall(const Pending& p, nlohmann::json& e);
  // The action that refused `syscall` with an action of `kind` (nullptr:
  // none of the profile's), and where the profile says it.
  const policy::SeccompAction* decided_by(const std::string& syscall, policy::SeccompActionKind kind,
                                          std::string* rule) const;

  const policy::SeccompFilter* filter_;
  mutable std::optional<policy::SeccompRuleIndex> rules_;  // made when first needed
  DenialSource source_;
  // Without a session: the init's pid namespace (readlink of its ns/pid),
  // which the sandbox's live processes share.
  std::string pid_namespace_;
  std::uint64_t denials_ = 0;
  // Per kind: how many were seen, and the record that stands for those past
  // the first kIndividually (with its count so far).
  std::map<std::string, std::uint64_t> seen_;
  std::map<std::string, nlohmann::json> counted_;
  // Landlock: the domains that are the sandbox's. Landlock's, AppArmor's
  // and SELinux's decisions wait for the rest of their event (they come
  // before the SYSCALL record that gives the session) until its end.
  std::set<std::string> domains_;
  struct Pending {
    std::vector<audit::KernelRecord> accesses;
    std::optional<audit::KernelRecord> syscall;  // names the process, when the kernel sent it
    bool ours = false;
    bool ended = false;
    std::uint64_t time_ms = 0;  // the event's kernel time
  };
  std::map<std::uint64_t, Pending> pending_;
};

}  // namespace ringfence::runtime
