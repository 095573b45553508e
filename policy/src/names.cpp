#include "ringfence/policy/names.h"

#include <cap-ng.h>
#include <linux/capability.h>
#include <seccomp.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <set>

#include <fmt/core.h>

#include "syscall_table.h"

namespace ringfence::policy {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Optimal string alignment distance (Levenshtein plus adjacent swaps), the
// usual measure for typos.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

}  // namespace

std::optional<std::string> nearest(std::string_view word, const std::vector<std::string>& candidates) {
  const std::string w = lower(word);
  std::size_t limit = std::max<std::size_t>(1, w.size() / 3);
  // In a short closed list (modes, actions, keys of one table) two edits
  // are still far more likely a slip than a different word: "error" for
  // "errno", "eror" for "errno". Large lists (syscalls, errno names) keep
  // the strict limit so that suggestions stay plausible; very short words
  // keep it too, or everything would be two edits from anything.
  if (candidates.size() <= 32 && w.size() >= 4) limit = std::max<std::size_t>(limit, 2);
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  for (const auto& c : candidates) {
    const std::size_t dist = edit_distance(w, lower(c));
    if (dist < best_distance) {
      best_distance = dist;
      best = c;
    }
  }
  return best;
}

std::string printable(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    else
      out += c;
  }
  return out;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates,
                         std::string_view quote) {
  auto n = nearest(word, candidates);
  if (!n) return "";
  return fmt::format(" (did you mean {}{}{}?)", quote, *n, quote);
}

// ---- capabilities -------------------------------------------------------------

int last_capability() {
  // libcap-ng's name table may be older or newer than the kernel headers we
  // build against; only names both know can be enforced.
  static const int last = [] {
    int l = 0;
    for (int cap = 0; cap <= CAP_LAST_CAP; ++cap)
      if (capng_capability_to_name(static_cast<unsigned int>(cap)) != nullptr) l = cap;
    return l;
  }();
  return last;
}

std::optional<int> capability_from_name(std::string_view name) {
  std::string n = lower(name);
  if (n.rfind("cap_", 0) == 0) n.erase(0, 4);
  if (n.empty()) return std::nullopt;
  const int cap = capng_name_to_capability(n.c_str());
  if (cap < 0 || cap > last_capability()) return std::nullopt;
  return cap;
}

std::string capability_name(int cap) {
  const char* n = capng_capability_to_name(static_cast<unsigned int>(cap));
  return n ? "CAP_" + upper(n) : fmt::format("CAP_{}", cap);
}

const std::vector<std::string>& all_capability_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (int cap = 0; cap <= last_capability(); ++cap) out.push_back(capability_name(cap));
    return out;
  }();
  return names;
}

// ---- syscalls -------------------------------------------------------------------

bool syscall_known(std::string_view name) { return syscall_id(name) != kUnknownSyscall; }

const std::vector<std::string>& all_syscall_names() {
  static const std::vector<std::string> names = [] {
    // libseccomp has no "list all" call: ask every architecture it supports
    // for the name of every number in its range.
    static const char* const arches[] = {"x86_64", "x86", "x32", "arm", "aarch64", "mips", "mips64",
                                         "mips64n32", "ppc", "ppc64", "s390", "s390x", "riscv64"};
    std::set<std::string> seen;
    for (const char* arch_name : arches) {
      const uint32_t arch = seccomp_arch_resolve_name(arch_name);
      if (arch == 0) continue;
      const int base = arch == SCMP_ARCH_X32 ? 0x40000000 : 0;
      for (int nr = 0; nr < 1024; ++nr) {
        char* n = seccomp_syscall_resolve_num_arch(arch, base + nr);
        if (n) {
          seen.insert(n);
          std::free(n);
        }
      }
    }
    return std::vector<std::string>(seen.begin(), seen.end());
  }();
  return names;
}

// ---- errno ------------------------------------------------------------------------

const std::vector<std::string>& all_errno_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (int e = 1; e < 4096; ++e)
      if (const char* n = strerrorname_np(e)) out.emplace_back(n);
    return out;
  }();
  return names;
}

std::optional<int> errno_from_name(std::string_view name) {
  const std::string n = upper(name);
  for (int e = 1; e < 4096; ++e) {
    const char* s = strerrorname_np(e);
    if (s && n == s) return e;
  }
  return std::nullopt;
}

std::string errno_name(int number) {
  const char* s = strerrorname_np(number);
  return s ? std::string(s) : std::to_string(number);
}

}  // namespace ringfence::policy

#include <sys/resource.h>

namespace ringfence::policy {
namespace {
struct RlimitName {
  const char* name;
  int resource;
};
constexpr RlimitName kRlimits[] = {
    {"as", RLIMIT_AS},           {"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},       {"fsize", RLIMIT_FSIZE},       {"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},   {"nproc", RLIMIT_NPROC},       {"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO},   {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
};
}  // namespace

std::optional<int> rlimit_resource(std::string_view name) {
  for (const auto& r : kRlimits)
    if (name == r.name) return r.resource;
  return std::nullopt;
}

const std::vector<std::string>& rlimit_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& r : kRlimits) out.emplace_back(r.name);
    return out;
  }();
  return names;
}
}  // namespace ringfence::policy
