// What the loaded seccomp filters let run, in three named questions the
// catalogue asks (RF-SEC-003 default action, RF-SEC-004 the calls Docker's
// default denies, RF-SEC-005 other ABIs), each answered on the filters read
// off every thread and compared with the plan's compiled filter: a call the
// loaded filters let run and the plan's does not fails; one both let run is
// the profile's choice (lint reports it) and passes, saying so.
#include <linux/audit.h>
#include <seccomp.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "ringfence/enforcer/seccomp_cache.h"
#include "seccomp_decide.h"
#include "verify_support.h"

namespace ringfence::enforcer {
namespace {

using detail::decide;
using detail::lets_run;

constexpr std::uint32_t kHighestNr = 600;

// Docker's default profile refuses these, whatever the arguments, unless a
// capability it ties them to is kept; clone only with namespace flags
// (the all-ones argument vector).
constexpr const char* kDockerDenied[] = {
    "mount",         "umount2",         "pivot_root",   "kexec_load",     "kexec_file_load", "init_module",
    "finit_module",  "delete_module",   "bpf",          "perf_event_open", "keyctl",         "add_key",
    "request_key",   "open_by_handle_at", "userfaultfd", "unshare",        "setns",           "clone",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "acct",        "reboot",          "swapon",
    "swapoff",       "iopl",            "ioperm",       "syslog"};

struct Probe {
  std::string what;  // "x86 syscall 11 (execve)"
  seccomp_data data{};
};

std::string syscall_name(std::uint32_t token, std::uint32_t nr) {
  char* raw = token ? seccomp_syscall_resolve_num_arch(token, static_cast<int>(nr)) : nullptr;
  std::string name = raw ? raw : "";
  std::free(raw);  // libseccomp's string is the caller's to free
  return name;
}

Probe probe(const std::string& arch, std::uint32_t audit, std::uint32_t nr, const std::string& name, bool ones) {
  Probe p;
  p.what = fmt::format("{} syscall {} ({}){}", arch, nr & ~detail::kX32SyscallBit, name.empty() ? "?" : name,
                       ones ? " with all-ones arguments" : "");
  p.data.arch = audit;
  p.data.nr = static_cast<int>(nr);
  for (auto& a : p.data.args) a = ones ? ~std::uint64_t{0} : 0;
  return p;
}

std::uint32_t native_token() { return seccomp_arch_native(); }

// RF-SEC-003: the numbers of the native ABI that no syscall has (the
// holes below the highest one): no rule can name them, so only the default
// action decides them. Where an ABI has no holes, the syscalls the profile
// names in no rule stand in.
std::vector<Probe> default_decided(const policy::SeccompFilter& filter) {
  const std::uint32_t token = native_token();
  std::set<int> named;
  for (const auto& rule : filter.rules)
    for (const auto& name : rule.syscalls) named.insert(seccomp_syscall_resolve_name_arch(token, name.c_str()));
  std::vector<Probe> holes, unnamed;
  std::uint32_t highest = 0;
  for (std::uint32_t nr = 0; nr <= kHighestNr; ++nr)
    if (!syscall_name(token, nr).empty()) highest = nr;
  for (std::uint32_t nr = 0; nr <= highest; ++nr) {
    const std::string name = syscall_name(token, nr);
    if (name.empty())
      holes.push_back(probe("native", token, nr, "", false));
    else if (!named.count(static_cast<int>(nr)))
      unnamed.push_back(probe("native", token, nr, name, false));
  }
  return holes.empty() ? unnamed : holes;
}

// RF-SEC-004: each call both with all-zero and all-ones arguments; it is
// open "whatever its arguments" when both run.
std::vector<std::pair<Probe, Probe>> docker_denied() {
  const std::uint32_t token = native_token();
  std::vector<std::pair<Probe, Probe>> out;
  for (const char* name : kDockerDenied) {
    const int nr = seccomp_syscall_resolve_name_arch(token, name);
    if (nr < 0) continue;
    out.emplace_back(probe("native", token, static_cast<std::uint32_t>(nr), name, false),
                     probe("native", token, static_cast<std::uint32_t>(nr), name, true));
  }
  return out;
}

// RF-SEC-005: every syscall number of each ABI other than the native one
// (x32 through its bit), and of an architecture this kernel never reports,
// which only a filter that does not check the architecture lets through.
// Each carries the native call of the same name, if there is one: an ABI
// is open when its call runs where the native one does not.
struct AbiProbe {
  Probe other;
  std::optional<Probe> native;
};

std::vector<AbiProbe> other_abis() {
  std::vector<AbiProbe> out;
  const std::uint32_t native = native_token();
  struct Abi {
    const char* name;
    std::uint32_t token, audit, first;
  };
  std::vector<Abi> abis;
  if (native == SCMP_ARCH_X86_64) {
    abis = {{"x86", SCMP_ARCH_X86, AUDIT_ARCH_I386, 0}, {"x32", SCMP_ARCH_X32, AUDIT_ARCH_X86_64, detail::kX32SyscallBit}};
  } else if (native == SCMP_ARCH_AARCH64) {
    abis = {{"arm", SCMP_ARCH_ARM, AUDIT_ARCH_ARM, 0}};
  } else if (native == SCMP_ARCH_S390X) {
    abis = {{"s390", SCMP_ARCH_S390, AUDIT_ARCH_S390, 0}};
  }
  abis.push_back({"foreign", 0, native == SCMP_ARCH_AARCH64 ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_AARCH64, 0});
  for (const auto& a : abis)
    for (std::uint32_t nr = a.first; nr <= a.first + kHighestNr; ++nr) {
      const std::string name = syscall_name(a.token, nr);
      AbiProbe p{probe(a.name, a.audit, nr, name, false), std::nullopt};
      if (const int n = name.empty() ? -1 : seccomp_syscall_resolve_name_arch(native, name.c_str()); n >= 0)
        p.native = probe("native", native, static_cast<std::uint32_t>(n), name, false);
      out.push_back(std::move(p));
    }
  return out;
}

// The probes are the same for every process checked against one profile
// (and docker_denied's and other_abis' for every profile): made once per
// run, not once per process, as naming syscalls through libseccomp is most
// of the cost of making them.
const std::vector<std::pair<Probe, Probe>>& docker_denied_once() {
  static const auto probes = docker_denied();
  return probes;
}

const std::vector<AbiProbe>& other_abis_once() {
  static const auto probes = other_abis();
  return probes;
}

std::vector<Probe> default_decided_once(const policy::SeccompFilter& filter, const std::string& plan_key) {
  static std::mutex mutex;
  static std::map<std::string, std::vector<Probe>> made;
  const std::lock_guard lock(mutex);
  auto it = made.find(plan_key);
  if (it == made.end()) {
    if (made.size() >= 64) made.clear();
    it = made.emplace(plan_key, default_decided(filter)).first;
  }
  return it->second;
}

struct Answer {
  std::optional<std::string> opened;  // the first probe the loaded filters let run and the plan's does not
  std::vector<std::string> allowed;   // probes both let run: the profile's choice
};

using Judge = std::function<Answer(const std::vector<BpfProgram>& loaded)>;

// The answers for each set of loaded filters, kept for the length of the
// run: the processes of one sandbox (`audit check --name`) and the
// containers of one `audit scan` mostly hold the same filters, which are
// then probed once. `key` names the profile's filter, the aspect and the
// loaded programs.
Answer remembered_answer(const std::string& key, const std::vector<BpfProgram>& loaded, const Judge& answer) {
  static std::mutex mutex;
  static std::map<std::string, Answer> answers;
  {
    const std::lock_guard lock(mutex);
    if (const auto it = answers.find(key); it != answers.end()) return it->second;
  }
  Answer a = answer(loaded);
  const std::lock_guard lock(mutex);
  if (answers.size() >= 256) answers.clear();
  answers.emplace(key, a);
  return a;
}

Verdict judge(const char* aspect, const std::string& expected, const std::string& passing, const ProcessFacts& facts,
              const std::string& plan_key, const Judge& answer) {
  const auto step = policy::StepKind::SeccompLoad;
  if (facts.threads.empty()) return {step, aspect, Holds::Unknown, "no thread could be read", expected};
  std::map<std::string, Answer> judged;  // threads usually share one filter
  std::optional<Verdict> unknown;
  std::vector<std::string> allowed;
  for (const auto& t : facts.threads) {
    if (!t.filters) {
      if (!unknown)
        unknown = Verdict{step, aspect, Holds::Unknown,
                          fmt::format("the filter of tid {} cannot be read: {}", t.tid, t.filters_unreadable), expected};
      continue;
    }
    if (t.filters->empty())
      return {step, aspect, Holds::No, fmt::format("no filter on tid {}: every call runs", t.tid), expected};
    std::string key;
    for (const auto& f : *t.filters)
      key.append(reinterpret_cast<const char*>(f.insns.data()), f.insns.size() * sizeof(sock_filter)) += '|';
    auto it = judged.find(key);
    if (it == judged.end())
      it = judged.emplace(key, remembered_answer(plan_key + '|' + aspect + '|' + key, *t.filters, answer)).first;
    if (it->second.opened)
      return {step, aspect, Holds::No, fmt::format("the filters of tid {} let {} run", t.tid, *it->second.opened),
              expected};
    if (allowed.empty()) allowed = it->second.allowed;
  }
  if (unknown) return *unknown;
  if (allowed.empty()) return {step, aspect, Holds::Yes, passing, expected};
  std::string shown;
  for (std::size_t i = 0; i < allowed.size() && i < 5; ++i) shown += (i ? ", " : "") + allowed[i];
  if (allowed.size() > 5) shown += fmt::format(" and {} more", allowed.size() - 5);
  return {step, aspect, Holds::Yes, fmt::format("{}; the profile allows {}", passing, shown), expected};
}

}  // namespace

std::vector<Verdict> verify_seccomp_surface(const policy::SeccompFilter& filter, const BpfProgram* plan_program,
                                            const ProcessFacts& facts) {
  const std::vector<std::pair<const char*, std::string>> aspects = {
      {"default action", "no syscall the profile does not name runs, unless the profile's default lets it"},
      {"docker-denied calls", "none of Docker's denied calls runs whatever its arguments, unless the profile's does"},
      {"ABIs", "no syscall of another ABI or architecture runs that the profile's filter refuses"}};
  std::vector<Verdict> out;
  if (!plan_program) {
    for (const auto& [aspect, expected] : aspects)
      out.push_back({policy::StepKind::SeccompLoad, aspect, Holds::Unknown, "the plan's filter does not compile here",
                     expected});
    return out;
  }
  const std::vector<BpfProgram> plan{*plan_program};
  const std::string plan_key = seccomp_cache_key(filter);
  // Probes over one list: the first the loaded filters open beyond the
  // plan's, and those both let run.
  auto over = [&](const std::vector<Probe>& probes) {
    return [&plan, probes](const std::vector<BpfProgram>& loaded) {
      Answer a;
      for (const auto& p : probes) {
        if (!lets_run(decide(loaded, p.data))) continue;
        if (!lets_run(decide(plan, p.data))) {
          a.opened = p.what;
          return a;
        }
        a.allowed.push_back(p.what);
      }
      return a;
    };
  };
  const auto& denied = docker_denied_once();
  auto docker = [&plan, &denied](const std::vector<BpfProgram>& loaded) {
    Answer a;
    for (const auto& [zero, ones] : denied) {
      if (!lets_run(decide(loaded, zero.data)) || !lets_run(decide(loaded, ones.data))) continue;
      const std::string name = zero.what.substr(zero.what.find('(') + 1, zero.what.find(')') - zero.what.find('(') - 1);
      if (!lets_run(decide(plan, zero.data)) || !lets_run(decide(plan, ones.data))) {
        a.opened = name + " whatever its arguments";
        return a;
      }
      a.allowed.push_back(name);
    }
    return a;
  };
  out.push_back(judge("default action", aspects[0].second, "the default action refuses every syscall the profile does not name",
                      facts, plan_key, over(default_decided_once(filter, plan_key))));
  out.push_back(judge("docker-denied calls", aspects[1].second, "none of Docker's denied calls runs whatever its arguments",
                      facts, plan_key, docker));
  const auto& abis = other_abis_once();
  // Open: the call runs on the other ABI where its native twin does not
  // (or, without a twin, where the plan's filter refuses it).
  auto open_abi = [](const std::vector<BpfProgram>& filters, const AbiProbe& p) {
    if (!lets_run(decide(filters, p.other.data))) return false;
    return p.native ? !lets_run(decide(filters, p.native->data)) : true;
  };
  auto abi = [&plan, &abis, &open_abi](const std::vector<BpfProgram>& loaded) {
    Answer a;
    for (const auto& p : abis) {
      if (!open_abi(loaded, p)) continue;
      if (!open_abi(plan, p)) {
        a.opened = p.other.what + (p.native ? ", which the native call may not" : "");
        return a;
      }
      a.allowed.push_back(p.other.what);
    }
    return a;
  };
  out.push_back(judge("ABIs", aspects[2].second, "no other ABI or architecture lets a call run that the native one may not",
                      facts, plan_key, abi));
  return out;
}

}  // namespace ringfence::enforcer
