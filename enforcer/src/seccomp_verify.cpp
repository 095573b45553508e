// seccomp.load: filter mode on every thread and, where the kernel lets the
// filter be read (PTRACE_SECCOMP_GET_FILTER as root), that the loaded
// filters decide like the plan's compiled filter. Compared by what they
// decide, not byte for byte: libseccomp's layout changes between versions.
#include <linux/audit.h>
#include <seccomp.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "ringfence/enforcer/seccomp_cache.h"
#include "ringfence/enforcer/seccomp_compile.h"
#include "seccomp_decide.h"
#include "verify_support.h"

namespace ringfence::enforcer {
namespace {


using detail::decide;

std::string action_text(std::optional<std::uint32_t> ret) {
  if (!ret) return "an error in the program";
  const std::uint32_t a = ret_action(*ret), d = ret_data(*ret);
  switch (a) {
    case SECCOMP_RET_ALLOW: return "ALLOW";
    case SECCOMP_RET_ERRNO: return fmt::format("ERRNO({})", d);
    case SECCOMP_RET_KILL_PROCESS: return "KILL_PROCESS";
    case SECCOMP_RET_KILL_THREAD: return "KILL_THREAD";
    case SECCOMP_RET_TRAP: return fmt::format("TRAP({})", d);
    case SECCOMP_RET_TRACE: return fmt::format("TRACE({})", d);
    case SECCOMP_RET_LOG: return "LOG";
    case SECCOMP_RET_USER_NOTIF: return "USER_NOTIF";
    default: return fmt::format("0x{:08x}", *ret);
  }
}

struct Arch {
  std::string name;
  std::uint32_t token = 0, audit = 0, first = 0, last = 0;
};

// The input space: every architecture of the plan (x32 through the nr bit),
// one it does not name, every syscall number up to past the highest the
// profile knows, and for each syscall the argument values its rules compare.
struct Domain {
  std::vector<Arch> arches;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<std::pair<unsigned, std::uint64_t>>> constants;
};

Domain domain_of(const policy::SeccompFilter& filter) {
  Domain d;
  for (const auto& name : filter.arches) {
    Arch a;
    a.name = name;
    a.token = seccomp_arch_resolve_name(name.c_str());
    if (a.token == 0) continue;
    const bool x32 = a.token == SCMP_ARCH_X32;
    a.audit = x32 ? AUDIT_ARCH_X86_64 : a.token;
    a.first = x32 ? detail::kX32SyscallBit : 0;
    a.last = a.first + 600;
    if (const auto it = filter.enosys_above.find(name); it != filter.enosys_above.end())
      a.last = std::max(a.last, it->second + 64);
    d.arches.push_back(a);
  }
  // An architecture the plan does not allow must be refused too.
  const std::uint32_t foreign = seccomp_arch_native() == SCMP_ARCH_AARCH64 ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_AARCH64;
  d.arches.push_back({"foreign", 0, foreign, 0, 8});
  for (const auto& rule : filter.rules)
    for (const auto& name : rule.syscalls)
      for (const auto& a : d.arches) {
        if (a.token == 0) continue;
        const int nr = seccomp_syscall_resolve_name_arch(a.token, name.c_str());
        if (nr < 0) continue;
        auto& list = d.constants[{a.audit, static_cast<std::uint32_t>(nr)}];
        for (const auto& c : rule.conditions) list.emplace_back(c.index, c.value);
      }
  return d;
}

struct Difference {
  std::string where, observed, expected;
};

std::optional<Difference> first_difference(const std::vector<BpfProgram>& loaded, const BpfProgram& plan,
                                           const Domain& d) {
  const std::vector<BpfProgram> expected_set{plan};
  seccomp_data data{};
  auto compare = [&](const Arch& a) -> std::optional<Difference> {
    const auto got = decide(loaded, data), want = decide(expected_set, data);
    if (got == want) return std::nullopt;
    char* raw = a.token ? seccomp_syscall_resolve_num_arch(a.token, data.nr) : nullptr;
    const std::string name = raw ? raw : "?";
    std::free(raw);  // libseccomp's string is the caller's to free
    std::string args;
    for (unsigned i = 0; i < 6; ++i)
      if (data.args[i] != 0) args += fmt::format(" arg{}=0x{:x}", i, data.args[i]);
    return Difference{fmt::format("{} syscall {} ({}){}", a.name, data.nr, name, args), action_text(got),
                      action_text(want)};
  };
  for (const auto& a : d.arches) {
    data.arch = a.audit;
    for (std::uint32_t nr = a.first; nr <= a.last; ++nr) {
      data.nr = static_cast<int>(nr);
      for (auto& arg : data.args) arg = 0;
      if (auto diff = compare(a)) return diff;
      for (auto& arg : data.args) arg = ~std::uint64_t{0};
      if (auto diff = compare(a)) return diff;
      const auto it = d.constants.find({a.audit, nr});
      if (it == d.constants.end()) continue;
      for (const auto& [index, value] : it->second) {
        if (index >= 6) continue;
        for (std::uint64_t v : {value, value | std::uint64_t{0xffffffff00000000}, value + 1, value - 1}) {
          for (auto& arg : data.args) arg = 0;
          data.args[index] = v;
          if (auto diff = compare(a)) return diff;
        }
      }
    }
  }
  return std::nullopt;
}

std::string program_key(const std::vector<BpfProgram>& filters) {
  std::string key;
  for (const auto& f : filters) {
    key.append(reinterpret_cast<const char*>(f.insns.data()), f.insns.size() * sizeof(sock_filter));
    key += '|';
  }
  return key;
}

// The first difference for each set of loaded filters, kept for the length
// of the run: the processes of a sandbox mostly hold the same filters.
// `key` names the profile's filter and the loaded programs.
std::optional<Difference> remembered_difference(const std::string& key,
                                                const std::function<std::optional<Difference>()>& compute) {
  static std::mutex mutex;
  static std::map<std::string, std::optional<Difference>> differences;
  {
    const std::lock_guard lock(mutex);
    if (const auto it = differences.find(key); it != differences.end()) return it->second;
  }
  auto d = compute();
  const std::lock_guard lock(mutex);
  if (differences.size() >= 256) differences.clear();
  differences.emplace(key, d);
  return d;
}

// RF-SEC-002: the loaded filters against the plan's, over the whole domain.
void compare_filters(const policy::SeccompFilter& filter, const std::optional<CompiledFilter>& compiled,
                     const std::string& error, const ProcessFacts& facts, std::vector<Verdict>& out) {
  const std::string expected_text = "decides like the plan's filter";
  if (!compiled) {
    out.push_back({policy::StepKind::SeccompLoad, "filter", Holds::Unknown, "the plan's filter does not compile here: " + error,
                   expected_text});
    return;
  }
  if (facts.threads.empty()) {
    out.push_back({policy::StepKind::SeccompLoad, "filter", Holds::Unknown, "no thread could be read", expected_text});
    return;
  }
  std::optional<Domain> domain;  // made only when some set of filters is not remembered
  const std::string plan_key = seccomp_cache_key(filter);
  std::map<std::string, std::optional<Difference>> judged;  // threads usually share one filter
  std::optional<Verdict> unknown;
  for (const auto& t : facts.threads) {
    if (!t.filters) {
      if (!unknown)
        unknown = Verdict{policy::StepKind::SeccompLoad, "filter", Holds::Unknown,
                          fmt::format("the filter of tid {} cannot be read: {}", t.tid, t.filters_unreadable),
                          expected_text};
      continue;
    }
    if (t.filters->empty()) {
      out.push_back({policy::StepKind::SeccompLoad, "filter", Holds::No, fmt::format("no filter on tid {}", t.tid), expected_text});
      return;
    }
    const std::string key = program_key(*t.filters);
    auto it = judged.find(key);
    if (it == judged.end())
      it = judged
               .emplace(key, remembered_difference(plan_key + '|' + key,
                                                   [&] {
                                                     if (!domain) domain = domain_of(filter);
                                                     return first_difference(*t.filters, compiled->program, *domain);
                                                   }))
               .first;
    if (it->second) {
      out.push_back({policy::StepKind::SeccompLoad, "filter", Holds::No,
                     fmt::format("{} filter{} on tid {} answer {} for {}", t.filters->size(),
                                 t.filters->size() == 1 ? "" : "s", t.tid, it->second->observed, it->second->where),
                     it->second->expected});
      return;
    }
  }
  if (unknown) {
    out.push_back(*unknown);
    return;
  }
  out.push_back({policy::StepKind::SeccompLoad, "filter", Holds::Yes,
                 fmt::format("the filters of {} thread{} decide like the plan's for every syscall number of each "
                             "architecture and the argument values the rules compare",
                             facts.threads.size(), facts.threads.size() == 1 ? "" : "s"),
                 expected_text});
}

// The plan's filter compiled once per process, whatever number of
// processes are checked against it (`audit scan` checks many, on several
// threads): libseccomp's compile is most of one check's CPU time.
struct PlanFilter {
  std::optional<CompiledFilter> compiled;
  std::string error;
};

std::shared_ptr<const PlanFilter> plan_filter(const policy::SeccompFilter& filter) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const PlanFilter>> cache;
  const std::string key = seccomp_cache_key(filter);
  const std::lock_guard lock(mutex);
  if (const auto it = cache.find(key); it != cache.end()) return it->second;
  auto made = std::make_shared<PlanFilter>();
  made->compiled = compile_filter(filter, made->error);
  cache.emplace(key, made);
  return made;
}

}  // namespace

std::vector<Verdict> verify_seccomp(const policy::SeccompFilter& filter, const ProcessFacts& facts) {
  std::vector<Verdict> out;
  out.push_back(detail::every_thread(policy::StepKind::SeccompLoad, "Seccomp", facts, 2,
                                     [](const ThreadFacts& t) { return t.seccomp_mode; },
                                     [](int v) { return std::to_string(v); }));
  const auto plan = plan_filter(filter);
  const auto& compiled = plan->compiled;
  compare_filters(filter, compiled, plan->error, facts, out);
  for (auto& v : verify_seccomp_surface(filter, compiled ? &compiled->program : nullptr, facts)) out.push_back(std::move(v));
  return out;
}

}  // namespace ringfence::enforcer
