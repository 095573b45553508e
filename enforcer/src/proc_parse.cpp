#include "ringfence/enforcer/proc_parse.h"

#include <sys/resource.h>

#include <charconv>
#include <limits>
#include <sstream>

namespace ringfence::enforcer {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\n") - b + 1);
}

template <class T>
std::optional<T> number(const std::string& s, int base = 10) {
  T v{};
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

}  // namespace

std::map<std::string, std::string> parse_status(const std::string& text) {
  std::map<std::string, std::string> out;
  std::stringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    out[line.substr(0, colon)] = trim(line.substr(colon + 1));
  }
  return out;
}

std::optional<std::uint64_t> status_hex(const std::map<std::string, std::string>& status, const std::string& key) {
  const auto it = status.find(key);
  if (it == status.end()) return std::nullopt;
  return number<std::uint64_t>(it->second, 16);
}

std::optional<int> status_int(const std::map<std::string, std::string>& status, const std::string& key) {
  const auto it = status.find(key);
  if (it == status.end()) return std::nullopt;
  return number<int>(it->second);
}

std::optional<std::array<std::uint32_t, 4>> status_ids(const std::map<std::string, std::string>& status,
                                                       const std::string& key) {
  const auto it = status.find(key);
  if (it == status.end()) return std::nullopt;
  const auto w = words(it->second);
  if (w.size() != 4) return std::nullopt;
  std::array<std::uint32_t, 4> ids{};
  for (std::size_t i = 0; i < 4; ++i) {
    const auto v = number<std::uint32_t>(w[i]);
    if (!v) return std::nullopt;
    ids[i] = *v;
  }
  return ids;
}

std::optional<std::vector<std::uint32_t>> status_groups(const std::map<std::string, std::string>& status) {
  const auto it = status.find("Groups");
  if (it == status.end()) return std::nullopt;
  std::vector<std::uint32_t> out;
  for (const auto& w : words(it->second)) {
    const auto v = number<std::uint32_t>(w);
    if (!v) return std::nullopt;
    out.push_back(*v);
  }
  return out;
}

std::optional<std::vector<policy::IdMapping>> parse_id_map(const std::string& text) {
  std::vector<policy::IdMapping> out;
  std::stringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto w = words(line);
    if (w.empty()) continue;
    if (w.size() != 3) return std::nullopt;
    const auto a = number<std::uint32_t>(w[0]), b = number<std::uint32_t>(w[1]), c = number<std::uint32_t>(w[2]);
    if (!a || !b || !c) return std::nullopt;
    out.push_back({*a, *b, *c});
  }
  return out;
}

std::optional<std::uint32_t> map_to_inside(const std::vector<policy::IdMapping>& map, std::uint32_t outside) {
  for (const auto& m : map)
    if (outside >= m.outside && std::uint64_t{outside} < std::uint64_t{m.outside} + m.count)
      return m.inside + (outside - m.outside);
  return std::nullopt;
}

bool is_identity_map(const std::vector<policy::IdMapping>& map) {
  return map.size() == 1 && map[0] == policy::IdMapping{0, 0, 4294967295u};
}

std::optional<std::map<std::string, RlimitValue>> parse_limits(const std::string& text) {
  std::map<std::string, RlimitValue> out;
  std::stringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line.rfind("Limit", 0) != 0) return std::nullopt;
  // Fixed columns: the name is 26 characters wide, then soft (21) and hard (21).
  const auto soft_col = line.find("Soft Limit"), hard_col = line.find("Hard Limit"), units_col = line.find("Units");
  // In this order: columns in another order (or a header that repeats a
  // title further on) made substr() throw on the rows (found by
  // tests/fuzz/proc.cpp). The units column is not read.
  if (soft_col == std::string::npos || hard_col == std::string::npos || units_col == std::string::npos ||
      !(soft_col < hard_col && hard_col < units_col))
    return std::nullopt;
  auto value = [](const std::string& s) -> std::optional<std::uint64_t> {
    const std::string t = trim(s);
    if (t == "unlimited") return ~std::uint64_t{0};
    return number<std::uint64_t>(t);
  };
  while (std::getline(in, line)) {
    if (trim(line).empty()) continue;
    if (line.size() < hard_col) return std::nullopt;
    const auto soft = value(line.substr(soft_col, hard_col - soft_col));
    const auto hard = value(line.substr(hard_col, units_col > hard_col ? units_col - hard_col : std::string::npos));
    if (!soft || !hard) return std::nullopt;
    out[trim(line.substr(0, soft_col))] = {*soft, *hard};
  }
  return out;
}

std::string limits_row(int resource) {
  switch (resource) {
    case RLIMIT_CPU: return "Max cpu time";
    case RLIMIT_FSIZE: return "Max file size";
    case RLIMIT_DATA: return "Max data size";
    case RLIMIT_STACK: return "Max stack size";
    case RLIMIT_CORE: return "Max core file size";
    case RLIMIT_RSS: return "Max resident set";
    case RLIMIT_NPROC: return "Max processes";
    case RLIMIT_NOFILE: return "Max open files";
    case RLIMIT_MEMLOCK: return "Max locked memory";
    case RLIMIT_AS: return "Max address space";
    case RLIMIT_LOCKS: return "Max file locks";
    case RLIMIT_SIGPENDING: return "Max pending signals";
    case RLIMIT_MSGQUEUE: return "Max msgqueue size";
    case RLIMIT_NICE: return "Max nice priority";
    case RLIMIT_RTPRIO: return "Max realtime priority";
    case RLIMIT_RTTIME: return "Max realtime timeout";
    default: return "";
  }
}

std::optional<std::vector<CgroupMembership>> parse_proc_cgroup(const std::string& text) {
  std::vector<CgroupMembership> out;
  std::stringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto a = line.find(':');
    const auto b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) return std::nullopt;
    out.push_back({line.substr(a + 1, b - a - 1), line.substr(b + 1)});
  }
  return out;
}

std::optional<std::vector<std::string>> parse_net_dev(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (++n <= 2) continue;  // two header lines
    const auto colon = line.find(':');
    if (colon == std::string::npos) return std::nullopt;
    out.push_back(trim(line.substr(0, colon)));
  }
  if (n < 2) return std::nullopt;
  return out;
}

std::optional<StatFields> parse_stat(const std::string& stat) {
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return std::nullopt;
  std::istringstream fields(stat.substr(close + 2));
  StatFields out;
  long long ppid = 0;
  if (!(fields >> out.state >> ppid) || ppid < 0 || ppid > std::numeric_limits<pid_t>::max()) return std::nullopt;
  out.ppid = static_cast<pid_t>(ppid);
  std::string field;
  for (int i = 5; i < 22 && fields >> field; ++i) {
  }
  if (!(fields >> out.start_time)) return std::nullopt;
  return out;
}

std::uint64_t stat_start_time(const std::string& stat) {
  const auto f = parse_stat(stat);
  return f && f->state != 'Z' && f->state != 'X' ? f->start_time : 0;
}

}  // namespace ringfence::enforcer
