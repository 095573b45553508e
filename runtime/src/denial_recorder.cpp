#include "denial_recorder.h"

#include <linux/seccomp.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/core.h>

#include "ringfence/policy/names.h"

namespace ringfence::runtime {
namespace {

// How long a Landlock event's records may still be coming. Its access and
// domain records are sent at the refusal, its SYSCALL record at the call's
// return; every other task's records come in between, each with a serial
// of its own, so a count of serials says nothing (a storm in another
// sandbox used up 64 of them before the SYSCALL record came). The records
// of one event carry its start time: an event this much older than the
// newest record, or than the clock at a periodic flush, is complete.
constexpr std::uint64_t kEventWindowMs = 2000;

// "1796388615.443" -> milliseconds since the epoch; 0 when malformed.
std::uint64_t kernel_time_ms(const std::string& time) {
  const auto dot = time.find('.');
  if (dot == std::string::npos) return 0;
  std::uint64_t seconds = 0, millis = 0;
  for (std::size_t i = 0; i < dot; ++i) {
    if (time[i] < '0' || time[i] > '9') return 0;
    seconds = seconds * 10 + static_cast<std::uint64_t>(time[i] - '0');
  }
  std::size_t digits = 0;
  for (std::size_t i = dot + 1; i < time.size() && digits < 3; ++i, ++digits) {
    if (time[i] < '0' || time[i] > '9') return 0;
    millis = millis * 10 + static_cast<std::uint64_t>(time[i] - '0');
  }
  for (; digits < 3; ++digits) millis *= 10;
  return seconds * 1000 + millis;
}

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

std::string readlink_text(const std::string& path) {
  char buf[128];
  const ssize_t n = readlink(path.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

// Who made the call, as the kernel's record names it.
void add_process(const audit::KernelRecord& r, nlohmann::json& event) {
  if (auto pid = r.number("pid")) event["pid"] = *pid;
  if (const auto* comm = r.get("comm")) event["comm"] = *comm;
  if (const auto* exe = r.get("exe")) event["exe"] = *exe;
}

}  // namespace

DenialRecorder::DenialRecorder(const policy::SeccompFilter* filter, DenialSource source)
    : filter_(filter), source_(std::move(source)) {
  if (!source_.session && source_.init > 0) pid_namespace_ = readlink_text(fmt::format("/proc/{}/ns/pid", source_.init));
}

bool DenialRecorder::ours(const audit::KernelRecord& r) {
  const auto ses = r.number("ses");
  if (source_.session && ses && *ses == *source_.session) return true;
  const auto pid = r.number("pid");
  if (!pid) return false;
  if (source_.init > 0 && *pid == static_cast<std::uint64_t>(source_.init)) return true;
  // Without a session of its own, a live process is looked up; one that
  // has already gone cannot be told apart from the host's.
  if (source_.session || pid_namespace_.empty()) return false;
  return readlink_text(fmt::format("/proc/{}/ns/pid", *pid)) == pid_namespace_;
}

const policy::SeccompAction* DenialRecorder::decided_by(const std::string& syscall, policy::SeccompActionKind kind,
                                                        std::string* rule) const {
  // The kernel's record has neither the arguments nor the errno: the first
  // rule naming the call with an action of that kind decided it, else the
  // default action. The index is made at the first denial: most sandboxes
  // never have one, and it costs hundreds of allocations to make and free.
  if (filter_ && !rules_) rules_.emplace(*filter_);
  if (rules_)
    if (const auto* r = rules_->deciding(syscall, kind)) {
      *rule = r->from.text();
      return &r->action;
    }
  *rule = "default";
  return filter_ && filter_->default_action.kind == kind ? &filter_->default_action : nullptr;
}

void DenialRecorder::emit(const std::string& key, nlohmann::json event, std::vector<nlohmann::json>& out) {
  ++denials_;
  const std::uint64_t n = ++seen_[key];
  if (n <= kIndividually) {
    out.push_back(std::move(event));
    return;
  }
  auto [it, fresh] = counted_.try_emplace(key);
  nlohmann::json& sum = it->second;
  if (fresh) {
    sum = std::move(event);
    sum["first_kernel_time"] = sum.value("kernel_time", "");
    for (const char* per_call : {"pid", "comm", "exe", "kernel_time", "path", "ino", "dev"}) sum.erase(per_call);
    sum["count"] = 0;
    sum["aggregated"] = true;
  } else {
    sum["last_kernel_time"] = event.value("kernel_time", "");
  }
  sum["count"] = sum["count"].get<std::uint64_t>() + 1;
}

void DenialRecorder::seccomp(const audit::KernelRecord& r, std::vector<nlohmann::json>& out) {
  const auto code = r.hex("code");
  const auto arch = r.hex("arch");
  const auto nr = r.number("syscall");
  if (!code || !arch || !nr) return;
  const std::uint32_t action = static_cast<std::uint32_t>(*code) & SECCOMP_RET_ACTION_FULL;
  policy::SeccompActionKind kind;
  std::string event = "seccomp.denied";
  switch (action) {
    case SECCOMP_RET_ERRNO: kind = policy::SeccompActionKind::Errno; break;
    case SECCOMP_RET_KILL_PROCESS: kind = policy::SeccompActionKind::KillProcess; break;
    case SECCOMP_RET_KILL_THREAD: kind = policy::SeccompActionKind::KillThread; break;
    case SECCOMP_RET_TRAP: kind = policy::SeccompActionKind::Trap; break;
    case SECCOMP_RET_LOG:
      kind = policy::SeccompActionKind::Log;
      event = "seccomp.logged";  // a `log` rule: the call ran
      break;
    default: return;  // allowed, traced, or a notification (recorded when answered)
  }
  const std::uint32_t arch_token = static_cast<std::uint32_t>(*arch);
  const std::string name = policy::seccomp_syscall_name(arch_token, static_cast<int>(*nr));
  const std::string arch_name = policy::seccomp_arch_name(arch_token);
  std::string rule;
  const policy::SeccompAction* decided = decided_by(name, kind, &rule);
  std::string answer;
  switch (kind) {
    case policy::SeccompActionKind::Errno: {
      // Newer than the profile (enosys_above), or a rule answering ENOSYS:
      // the program is asked to fall back (clone3, then clone), and every
      // fork would be a record of nothing attempted.
      if (filter_) {
        const auto above = filter_->enosys_above.find(arch_name);
        if (above != filter_->enosys_above.end() && (*nr & 0x3fffffffu) > (above->second & 0x3fffffffu)) return;
      }
      if (decided && decided->errno_value == ENOSYS) return;
      answer = decided ? policy::errno_name(decided->errno_value) : "errno";
      break;
    }
    case policy::SeccompActionKind::KillProcess: answer = "kill-process"; break;
    case policy::SeccompActionKind::KillThread: answer = "kill-thread"; break;
    case policy::SeccompActionKind::Trap: answer = "trap"; break;
    default: answer = "log"; break;
  }
  nlohmann::json e{{"event", event}};
  add_process(r, e);
  e["syscall"] = name.empty() ? fmt::format("#{}", *nr) : name;
  e["nr"] = *nr;
  e["arch"] = arch_name;
  e["answer"] = answer;
  e["rule"] = rule;
  e["kernel_time"] = r.time;
  std::string key = fmt::format("{} {} {}", event, e["syscall"].get<std::string>(), answer);
  emit(key, std::move(e), out);
}

void DenialRecorder::take(const audit::KernelRecord& r, std::vector<nlohmann::json>& out) {
  switch (r.type) {
    case audit::kKernelSeccomp:
      if (ours(r)) seccomp(r, out);
      break;
    case audit::kKernelLandlockAccess:
    case audit::kKernelAvc: {
      Pending& p = pending_[r.serial];
      if (p.accesses.empty()) p.time_ms = kernel_time_ms(r.time);
      p.accesses.push_back(r);
      break;
    }
    case audit::kKernelLandlockDomain: {
      // Made at a domain's first denial: the process that made the domain.
      const auto* status = r.get("status");
      const auto* domain = r.get("domain");
      if (status && domain && *status == "allocated" && ours(r)) domains_.insert(*domain);
      break;
    }
    case audit::kKernelSyscall:
      if (auto it = pending_.find(r.serial); it != pending_.end()) {
        it->second.ours = ours(r);
        it->second.syscall = r;
      }
      break;
    case audit::kKernelEndOfEvent:
      if (auto it = pending_.find(r.serial); it != pending_.end()) it->second.ended = true;
      break;
    default: break;
  }
  // Events that ended, or are old enough to have, are judged now.
  settle_complete(kernel_time_ms(r.time), out);
}

void DenialRecorder::settle_complete(std::uint64_t newest_ms, std::vector<nlohmann::json>& out) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    const std::uint64_t serial = it->first;
    const bool complete = it->second.ended || newest_ms >= it->second.time_ms + kEventWindowMs;
    ++it;
    if (complete) settle(serial, out);
  }
}

void DenialRecorder::settle(std::uint64_t serial, std::vector<nlohmann::json>& out) {
  auto node = pending_.extract(serial);
  if (node.empty()) return;
  Pending& p = node.mapped();
  for (const auto& access : p.accesses) {
    if (access.type == audit::kKernelAvc) {
      mac_denial(access, p, out);
      continue;
    }
    const auto* domain = access.get("domain");
    if (!p.ours && !(domain && domains_.count(*domain))) continue;
    nlohmann::json e{{"event", "landlock.denied"}};
    add_syscall(p, e);
    std::string blockers;
    for (const auto& [k, v] : access.fields) {
      if (k == "blockers") blockers = v;
      else e[k] = v;
    }
    e["access"] = blockers;
    e["rule"] = "landlock";
    e["kernel_time"] = access.time;
    emit("landlock.denied " + blockers, std::move(e), out);
  }
}

void DenialRecorder::add_syscall(const Pending& p, nlohmann::json& e) {
  if (!p.syscall) return;
  add_process(*p.syscall, e);
  const auto arch = p.syscall->hex("arch");
  const auto nr = p.syscall->number("syscall");
  if (arch && nr) e["syscall"] = policy::seccomp_syscall_name(static_cast<std::uint32_t>(*arch), static_cast<int>(*nr));
}

// AppArmor and SELinux name the task in the decision itself; the event's
// SYSCALL record, when there is one, gives its session. Only refusals are
// recorded: AppArmor's ALLOWED (complain mode) and AUDIT and SELinux's
// granted are not violations. SELinux's permissive=1 refused nothing but
// would have: recorded, with `permissive`, as a `log` rule's call is.
void DenialRecorder::mac_denial(const audit::KernelRecord& r, const Pending& p, std::vector<nlohmann::json>& out) {
  if (!p.ours && !ours(r)) return;
  nlohmann::json e;
  std::string access;
  if (const auto* verdict = r.get("apparmor")) {
    if (*verdict != "DENIED") return;
    e["event"] = "apparmor.denied";
    for (const char* key : {"operation", "profile", "name", "requested_mask", "denied_mask", "class", "info", "error",
                            "target", "peer", "family", "sock_type", "protocol", "capability", "capname"})
      if (const auto* v = r.get(key)) e[key] = *v;
    const auto* operation = r.get("operation");
    const auto* denied = r.get("denied_mask");
    access = (operation ? *operation : std::string("?")) + (denied ? " " + *denied : std::string());
    e["rule"] = "apparmor " + (r.get("profile") ? *r.get("profile") : std::string("?"));
  } else if (const auto* verdict = r.get("avc")) {
    if (*verdict != "denied") return;
    e["event"] = "selinux.denied";
    for (const char* key : {"permissions", "name", "path", "dev", "ino", "scontext", "tcontext", "tclass", "permissive",
                            "capability"})
      if (const auto* v = r.get(key)) e[key] = *v;
    const auto* tclass = r.get("tclass");
    const auto* permissions = r.get("permissions");
    access = (tclass ? *tclass : std::string("?")) + (permissions ? " " + *permissions : std::string());
    e["rule"] = "selinux " + (r.get("scontext") ? *r.get("scontext") : std::string("?"));
  } else {
    return;  // another module's record of the same type
  }
  e["access"] = access;
  add_process(r, e);
  add_syscall(p, e);
  e["kernel_time"] = r.time;
  // The key first: the order in which arguments are evaluated is unspecified.
  std::string key = e["event"].get<std::string>() + " " + access;
  emit(key, std::move(e), out);
}

void DenialRecorder::flush(std::vector<nlohmann::json>& out, Flush when) {
  // At the stop every record has come (the supervisor waited for its own
  // marker record); before it, an event just begun may still be coming.
  if (when == Flush::AtStop)
    while (!pending_.empty()) settle(pending_.begin()->first, out);
  else
    settle_complete(now_ms(), out);
  for (auto& [key, sum] : counted_) out.push_back(std::move(sum));
  counted_.clear();
}

}  // namespace ringfence::runtime
