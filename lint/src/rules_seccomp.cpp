// Seccomp: is there a filter, does it deny by default, and does it let
// through what Docker's default profile refuses. "Weaker than Docker's
// default" is judged against the default profile compiled for the same
// capabilities, because Docker's profile itself allows mount with
// CAP_SYS_ADMIN, settimeofday with CAP_SYS_TIME and so on: what those
// capabilities open is the capability rules' finding, not this one.
#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <unordered_set>

#include <fmt/core.h>
#include <fmt/format.h>

#include "context.h"
#include "ringfence/policy/seccomp_query.h"

namespace ringfence::lint {
namespace {

const policy::SeccompFilter* filter_of(const Context& c) { return c.plan.params<policy::StepKind::SeccompCompile>(); }

void no_filter(const Context& c, Findings& f) {
  if (filter_of(c)) return;
  f.fail(c.at({c.profile.seccomp.enabled.origin, c.profile.seccomp.base.origin, c.profile.profile.privileged.origin}),
         "no seccomp filter: every system call of the kernel is reachable");
}

void default_allows(const Context& c, Findings& f) {
  const auto* filter = filter_of(c);
  if (!filter) return;
  const auto kind = filter->default_action.kind;
  if (kind == policy::SeccompActionKind::Allow || kind == policy::SeccompActionKind::Log)
    f.fail(c.at({c.profile.seccomp.default_action.origin, c.profile.seccomp.base.origin}),
           "the filter's default action lets unlisted system calls run: a deny-list misses every new syscall");
}

// What Docker's default filter lets run for a set of capabilities: the same
// layers with every [seccomp] section reset, compiled once per bounding set
// and kept. Shipped-size profiles share a handful of capability sets, so the
// linter pays for the second compile once, not once per profile.
struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
// Looked up by string_view: the profile's names are compared, never copied.
using NameSet = std::unordered_set<std::string, NameHash, std::equal_to<>>;

std::shared_ptr<const NameSet> docker_allows(const Context& c) {
  static std::mutex mutex;
  static std::map<std::uint64_t, std::shared_ptr<const NameSet>> cache;
  std::lock_guard lock(mutex);
  auto& slot = cache[c.bounding];
  if (slot) return slot;
  std::vector<policy::Layer> layers = c.compiled.layers;
  for (auto& layer : layers) {
    layer.data.seccomp = {};
    layer.data.profile.privileged = {};
  }
  policy::Compiled ref = policy::compile_layers(std::move(layers));
  if (!ref.ok()) return nullptr;
  if (const auto* f = ref.plan->params<policy::StepKind::SeccompCompile>()) {
    auto names = std::make_shared<NameSet>();
    for (const auto name : policy::seccomp_allowed_views(*f)) names->emplace(name);
    slot = std::move(names);
  }
  return slot;
}

// Where the profile's filter allows `syscall`: the rule's own location.
policy::SourceLocation allowed_at(const Context& c, const policy::SeccompFilter& filter, std::string_view syscall) {
  for (const auto& r : filter.rules)
    if (r.conditions.empty() && std::find(r.syscalls.begin(), r.syscalls.end(), syscall) != r.syscalls.end() &&
        (r.action.kind == policy::SeccompActionKind::Allow || r.action.kind == policy::SeccompActionKind::Log))
      return c.at({r.from, c.profile.seccomp.base.origin});
  return c.at({c.profile.seccomp.default_action.origin, c.profile.seccomp.base.origin});
}

// Calls with a record of container escapes or kernel exploits.
bool high_risk(std::string_view s) {
  static const std::set<std::string_view> kSet = {
      "mount", "umount", "umount2", "pivot_root", "kexec_load", "kexec_file_load", "init_module", "finit_module",
      "delete_module", "bpf", "perf_event_open", "keyctl", "add_key", "request_key", "open_by_handle_at",
      "userfaultfd", "unshare", "setns", "fsopen", "fsmount", "move_mount", "open_tree", "name_to_handle_at",
      "iopl", "ioperm", "swapon", "swapoff", "reboot", "acct", "lookup_dcookie", "quotactl", "nfsservctl",
      // Refused since Docker 25 and containerd 2.0: a ring's operations
      // bypass the filter, and io_uring's kernel bugs gave container escapes.
      "io_uring_setup", "io_uring_enter", "io_uring_register"};
  return kSet.count(s) > 0;
}

// A profile whose layers set nothing in [seccomp] but the errno compiles to
// Docker's filter by construction: nothing to compare.
bool seccomp_untouched(const Context& c) {
  const auto& s = c.profile.seccomp;
  return s.rules.empty() && (!s.base.is_set() || s.base.value == "default") &&
         (!s.default_action.is_set() || s.default_action.value == "errno");
}

void weaker_than_docker(const Context& c, Findings& f) {
  const auto* filter = filter_of(c);
  if (!filter || seccomp_untouched(c)) return;
  const auto docker = docker_allows(c);
  if (!docker) return;
  // One finding per place that opened something, naming the calls.
  std::map<std::string, std::pair<policy::SourceLocation, std::vector<std::string>>> by_place;
  std::set<std::string_view> weaker;  // sorted, so that messages are stable
  for (const auto s : policy::seccomp_allowed_views(*filter))
    if (!docker->contains(s)) weaker.insert(s);
  for (const auto s : weaker) {
    const auto at = allowed_at(c, *filter, s);
    auto& entry = by_place[fmt::format("{}:{}:{}", at.file, at.line, at.column)];
    entry.first = at;
    entry.second.push_back(high_risk(s) ? fmt::format("{} (high risk)", s) : std::string(s));
  }
  for (const auto& [key, entry] : by_place)
    f.fail(entry.first, fmt::format("allows system calls Docker's default profile denies: {}",
                                    fmt::join(entry.second, " ")));
}

// The words of /proc/sys/kernel/seccomp/actions_avail for each action.
const char* action_word(policy::SeccompActionKind kind) {
  switch (kind) {
    case policy::SeccompActionKind::Allow: return "allow";
    case policy::SeccompActionKind::Errno: return "errno";
    case policy::SeccompActionKind::KillThread: return "kill_thread";
    case policy::SeccompActionKind::KillProcess: return "kill_process";
    case policy::SeccompActionKind::Trap: return "trap";
    case policy::SeccompActionKind::Log: return "log";
    case policy::SeccompActionKind::Notify: return "user_notif";
  }
  return "allow";
}

std::set<std::string> running_kernel_actions() {
  std::set<std::string> out;
  std::ifstream in("/proc/sys/kernel/seccomp/actions_avail");
  std::string word;
  while (in >> word) out.insert(word);
  return out;
}

void unavailable_action(const Context& c, Findings& f) {
  const auto* filter = filter_of(c);
  if (!filter) return;
  static const std::set<std::string> running = running_kernel_actions();
  const auto& avail = c.options.actions_avail.empty() ? running : c.options.actions_avail;
  if (avail.empty()) return;  // no seccomp in this kernel at all: nothing to compare
  std::set<std::string> reported;
  auto check = [&](policy::SeccompActionKind kind, const policy::SourceLocation& at) {
    const std::string word = action_word(kind);
    if (avail.count(word) || !reported.insert(word).second) return;
    f.fail(at, fmt::format("action '{}' is not offered by this kernel (actions_avail: {})", word,
                           fmt::join(avail, " ")));
  };
  check(filter->default_action.kind, c.at({c.profile.seccomp.default_action.origin}));
  for (const auto& r : filter->rules) check(r.action.kind, c.at({r.from}));
}

constexpr Rule kSeccompRules[] = {
    {"RF-SEC-001", no_filter},
    {"RF-SEC-003", default_allows},
    {"RF-SEC-004", weaker_than_docker},
    {"RF-SEC-006", unavailable_action},
};

}  // namespace

std::span<const Rule> seccomp_rules() { return kSeccompRules; }

}  // namespace ringfence::lint
