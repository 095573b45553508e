#include "syscall_table.h"

#include <seccomp.h>

#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "ringfence/policy/seccomp_vocab.h"

namespace ringfence::policy {
namespace {

struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct SyscallTable {
  std::shared_mutex mutex;
  std::unordered_map<std::string, SyscallId, NameHash, std::equal_to<>> ids;
  std::vector<SyscallNumbers> numbers;  // by id
  std::vector<std::uint32_t> arches;    // native_and_sub_arches(), as libseccomp tokens

  SyscallTable() {
    for (const auto& a : native_and_sub_arches()) arches.push_back(seccomp_arch_resolve_name(a.c_str()));
    ids.reserve(1024);  // libseccomp 2.5 knows about 480 names
    numbers.reserve(1024);
  }
};

// Built on first use, not at start-up: the first compile of a process pays
// for it, and bench_compile's fresh-process figure includes it.
SyscallTable& table() {
  static SyscallTable t;
  return t;
}

std::optional<SyscallId> lookup(const SyscallTable& t, std::string_view name) {
  const auto it = t.ids.find(name);
  if (it == t.ids.end()) return std::nullopt;
  return it->second;
}

// Under the exclusive lock. Unknown names are asked again each time they
// are met: they are rare (a warning or an error), and keeping them would let
// a profile of made-up names grow the table without bound.
SyscallId intern(SyscallTable& t, std::string_view name) {
  if (const auto id = lookup(t, name)) return *id;
  std::string key(name);
  SyscallNumbers nr;
  nr.fill(__NR_SCMP_ERROR);
  for (std::size_t a = 0; a < t.arches.size() && a < nr.size(); ++a)
    nr[a] = seccomp_syscall_resolve_name_arch(t.arches[a], key.c_str());
  // Known or not on the native architecture, which comes first: its number
  // is asked once, not again on its own (a compile interns some 350 names).
  const int native = t.arches.empty() ? seccomp_syscall_resolve_name(key.c_str()) : nr[0];
  if (native == __NR_SCMP_ERROR) return kUnknownSyscall;
  const auto id = static_cast<SyscallId>(t.numbers.size());
  t.numbers.push_back(nr);
  t.ids.emplace(std::move(key), id);
  return id;
}

}  // namespace

SyscallId syscall_id(std::string_view name) {
  SyscallTable& t = table();
  {
    std::shared_lock lock(t.mutex);
    if (const auto id = lookup(t, name)) return *id;
  }
  std::unique_lock lock(t.mutex);
  return intern(t, name);
}

std::vector<SyscallId> syscall_ids(const std::vector<std::string_view>& names) {
  SyscallTable& t = table();
  std::vector<SyscallId> out(names.size(), kUnknownSyscall);
  std::vector<std::size_t> misses;
  {
    std::shared_lock lock(t.mutex);
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (const auto id = lookup(t, names[i])) {
        out[i] = *id;
      } else {
        misses.push_back(i);
      }
    }
  }
  if (misses.empty()) return out;
  std::unique_lock lock(t.mutex);
  for (const std::size_t i : misses) out[i] = intern(t, names[i]);
  return out;
}

SyscallNumbers highest_syscall_numbers(const std::vector<SyscallId>& ids) {
  SyscallTable& t = table();
  SyscallNumbers highest{};
  std::shared_lock lock(t.mutex);
  for (const SyscallId id : ids)
    for (std::size_t a = 0; a < highest.size(); ++a)
      if (t.numbers[id][a] > highest[a]) highest[a] = t.numbers[id][a];
  return highest;
}

std::size_t syscall_id_count() {
  SyscallTable& t = table();
  std::shared_lock lock(t.mutex);
  return t.numbers.size();
}

}  // namespace ringfence::policy
