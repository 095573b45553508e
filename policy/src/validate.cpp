// Checks of single values, layer by layer, so that each problem is reported
// in the file and at the line where it was written — even when a later layer
// overrides the value. Checks that need the whole merged profile live in
// check_profile.cpp.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "compile_context.h"
#include "syntax.h"
#include "ringfence/policy/names.h"
#include "ringfence/policy/seccomp_vocab.h"
#include "ringfence/policy/units.h"

namespace ringfence::policy {
namespace {

// `normalize` maps another tool's spelling to ours before the suggestion is
// looked up ("SCMP_ACT_ERRNO" -> "errno"), for people coming from Docker.
void one_of(const Setting<std::string>& s, const char* key, const std::vector<std::string>& allowed,
            Diagnostics& diags, const std::function<std::string(std::string)>& normalize = {}) {
  if (!s.is_set()) return;
  if (std::find(allowed.begin(), allowed.end(), s.value) != allowed.end()) return;
  diags.error(s.origin, fmt::format("'{}' must be one of {}, not '{}'{}", key,
                                    fmt::format("\"{}\"", fmt::join(allowed, "\", \"")), s.value,
                                    did_you_mean(normalize ? normalize(s.value) : s.value, allowed)));
}

std::string strip_prefix_lower(std::string value, std::string_view prefix) {
  for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string lower_prefix(prefix);
  for (char& c : lower_prefix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (value.starts_with(lower_prefix)) value.erase(0, lower_prefix.size());
  return value;
}

// Docker's SCMP_ACT_KILL_PROCESS is our "kill-process"; SCMP_ACT_KILL is
// "kill-thread".
std::string docker_action(std::string value) {
  value = strip_prefix_lower(std::move(value), "SCMP_ACT_");
  std::replace(value.begin(), value.end(), '_', '-');
  return value == "kill" ? "kill-thread" : value;
}

std::string docker_op(std::string value) { return strip_prefix_lower(std::move(value), "SCMP_CMP_"); }

bool is_clean_absolute(const std::string& path);

// "private", "host", "container:NAME" (Docker's --ipc, --network, --pid) or
// "ns:PATH" (podman's: join the namespace that file is, as an OCI bundle's
// linux.namespaces[].path asks).
void namespace_mode(const Setting<std::string>& s, const char* key, std::vector<std::string> allowed,
                    bool allow_container, Diagnostics& diags, bool allow_path = true) {
  if (!s.is_set()) return;
  if (allow_path && s.value.starts_with("ns:")) {
    if (!is_clean_absolute(s.value.substr(3)))
      diags.error(s.origin, fmt::format("'{}': '{}' is not a clean absolute path to a namespace file", key,
                                        s.value.substr(3)));
    return;
  }
  if (allow_container && s.value.starts_with("container:")) {
    const std::string target = s.value.substr(10);
    if (!syntax::is_name(target))
      diags.error(s.origin, fmt::format("'{}': '{}' is not a sandbox name (letters, digits, '_', '.', '-')", key,
                                        target));
    return;
  }
  if (allow_container) allowed.push_back("container:NAME");
  if (allow_path) allowed.push_back("ns:PATH");
  if (std::find(allowed.begin(), allowed.end(), s.value) != allowed.end()) return;
  diags.error(s.origin, fmt::format("'{}' must be one of {}, not '{}'{}", key,
                                    fmt::format("\"{}\"", fmt::join(allowed, "\", \"")), s.value,
                                    did_you_mean(s.value, allowed)));
}

// Absolute, without "." or ".." components: mount targets and masked paths
// are compared as strings and resolved inside the rootfs, so they must be
// written the one canonical way.
bool is_clean_absolute(const std::string& path) {
  if (path.empty() || path[0] != '/') return false;
  if (path.find('\0') != std::string::npos) return false;
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string part = path.substr(start, end - start);
    if (part == "." || part == "..") return false;
    if (part.empty() && end != path.size()) return false;  // "//"
    start = end + 1;
  }
  return path.size() == 1 || path.back() != '/';
}

// Says what is wrong with the path and, where one exists, the clean
// absolute path it most likely means.
void absolute_path(const std::string& value, const SourceLocation& at, const std::string& key, Diagnostics& diags) {
  if (is_clean_absolute(value)) return;
  if (value.empty()) return diags.error(at, fmt::format("'{}': the path is empty", key));
  if (value.find('\0') != std::string::npos)
    return diags.error(at, fmt::format("'{}': '{}' contains a NUL byte", key, value));
  std::string problem;
  if (value[0] != '/') {
    problem = "is relative";
  } else if (value.find("//") != std::string::npos) {
    problem = "contains '//'";
  } else if (value.size() > 1 && value.back() == '/') {
    problem = "ends with '/'";
  } else {
    problem = value.find("/../") != std::string::npos || value.ends_with("/..") ? "contains '..'" : "contains '.'";
  }
  std::string clean = std::filesystem::path(value[0] == '/' ? value : "/" + value).lexically_normal().string();
  while (clean.size() > 1 && clean.back() == '/') clean.pop_back();
  const std::string suggestion = is_clean_absolute(clean) ? fmt::format(" (did you mean '{}'?)", clean) : "";
  diags.error(at, fmt::format("'{}': '{}' {}; write it absolute, without '.', '..', '//' or a trailing '/'{}", key,
                              value, problem, suggestion));
}

void absolute_paths(const Setting<StringList>& s, const char* key, Diagnostics& diags) {
  for (const auto& item : s.value) {
    if (item.value == kInheritMarker) continue;
    absolute_path(item.value, item.loc, key, diags);
  }
}

// At most one "..." in a list. (In the root-most layer it splices in the
// built-in default, so it is allowed there too.)
void inherit_markers(const Setting<StringList>& s, const char* key, Diagnostics& diags) {
  int count = 0;
  for (const auto& item : s.value) {
    if (item.value != kInheritMarker) continue;
    if (++count == 2) diags.error(item.loc, fmt::format("'{}' may contain \"...\" (the inherited entries) only once", key));
  }
}

void positive(const Setting<std::int64_t>& s, const char* key, std::int64_t min, std::int64_t max,
              Diagnostics& diags) {
  if (s.is_set() && (s.value < min || s.value > max))
    diags.error(s.origin, fmt::format("'{}' must be between {} and {}, not {}", key, min, max, s.value));
}

// `list` is a replaced list (ambient), where "..." stands for the inherited
// entries; add and drop accumulate, so there it means nothing.
void capability_names(const std::vector<Located<std::string>>& items, const char* key, bool allow_all, bool list,
                      Diagnostics& diags) {
  for (const auto& item : items) {
    if (allow_all && item.value == "ALL") continue;
    if (item.value == kInheritMarker) {
      if (!list)
        diags.error(item.loc, fmt::format("'{}': \"...\" is not needed here: add and drop always apply on top of "
                                          "the inherited capabilities",
                                          key));
      continue;
    }
    if (!allow_all && item.value == "ALL") {
      diags.error(item.loc, fmt::format("'{}' cannot be \"ALL\": name each capability", key));
      continue;
    }
    if (!capability_from_name(item.value)) {
      // Suggest in the spelling the user chose: with the CAP_ prefix when
      // they wrote one, without it otherwise.
      std::string bare = item.value;
      const bool prefixed = bare.size() > 4 && (bare.rfind("CAP_", 0) == 0 || bare.rfind("cap_", 0) == 0);
      if (prefixed) bare = bare.substr(4);
      std::vector<std::string> candidates;
      for (const auto& n : all_capability_names()) candidates.push_back(n.substr(4));
      std::string hint;
      if (auto n = nearest(bare, candidates)) hint = fmt::format(" (did you mean '{}{}'?)", prefixed ? "CAP_" : "", *n);
      diags.error(item.loc, fmt::format("'{}': unknown capability '{}'{}", key, item.value, hint));
    }
  }
}

void validate_id_map(const Setting<std::vector<IdMapEntry>>& map, const char* key, Diagnostics& diags) {
  if (!map.is_set()) return;
  if (map.value.empty()) diags.error(map.origin, fmt::format("'{}' must have at least one entry", key));
  if (map.value.size() > 340)
    diags.error(map.origin, fmt::format("'{}' has {} entries; the kernel accepts at most 340", key, map.value.size()));
  for (const auto& e : map.value) {
    for (auto [name, field] : {std::pair{"inside", &e.inside}, {"outside", &e.outside}, {"count", &e.count}}) {
      if (!field->is_set()) {
        diags.error(e.loc, fmt::format("'{}' entry needs '{}'", key, name));
      } else if (field->value < 0 || field->value > 4294967295LL) {
        diags.error(field->origin,
                    fmt::format("'{}.{}' must be between 0 and 4294967295, not {}", key, name, field->value));
      }
    }
    if (e.count.is_set() && e.count.value == 0) diags.error(e.count.origin, fmt::format("'{}.count' must be at least 1", key));
  }
}

void validate_user(const UserSection& u, Diagnostics& diags) {
  if (u.user.is_set() && !syntax::is_user_spec(u.user.value))
    diags.error(u.user.origin, fmt::format("'user.user': '{}' is not a user (NAME, UID, NAME:GROUP or UID:GID)",
                                           u.user.value));
  if (u.user.is_set() && u.uid.is_set())
    diags.error(u.uid.origin, "'user.uid' and 'user.user' both say who runs the program; keep one");
  positive(u.uid, "user.uid", 0, 4294967294LL, diags);
  positive(u.gid, "user.gid", 0, 4294967294LL, diags);
  inherit_markers(u.groups, "user.groups", diags);
  for (const auto& g : u.groups.value)
    if (g.value != kInheritMarker && !syntax::is_group(g.value))
      diags.error(g.loc, fmt::format("'user.groups': '{}' is not a group name or number", g.value));
  one_of(u.ns.setgroups, "user.namespace.setgroups", {"allow", "deny"}, diags);
  validate_id_map(u.ns.uid_map, "user.namespace.uid_map", diags);
  validate_id_map(u.ns.gid_map, "user.namespace.gid_map", diags);
  if (u.ns.automatic.is_set() && u.ns.automatic.value && (u.ns.uid_map.is_set() || u.ns.gid_map.is_set()))
    diags.error(u.ns.automatic.origin, "'user.namespace.auto' picks the maps itself; remove uid_map/gid_map or auto");
}

void validate_devices(const DevicesSection& d, Diagnostics& diags) {
  for (const auto& e : d.allow.items) {
    one_of(e.type, "devices.allow.type", {"c", "b", "a"}, diags);
    if (!e.type.is_set()) diags.error(e.loc, "'devices.allow' entry needs 'type' (\"c\", \"b\" or \"a\")");
    const bool all = e.type.is_set() && e.type.value == "a";
    if (!all && (!e.major.is_set() || !e.minor.is_set()))
      diags.error(e.loc, "'devices.allow' entry needs 'major' and 'minor' (a number or \"*\")");
    if (e.access.is_set()) {
      const std::string& a = e.access.value;
      std::set<char> seen;
      bool ok = !a.empty() && a.size() <= 3;
      for (char c : a) ok = ok && (c == 'r' || c == 'w' || c == 'm') && seen.insert(c).second;
      if (!ok)
        diags.error(e.access.origin,
                    fmt::format("'devices.allow.access': '{}' must be letters of \"rwm\", each at most once", a));
    }
    if (e.path.is_set()) {
      absolute_path(e.path.value, e.path.origin, "devices.allow.path", diags);
      if (!e.path.value.starts_with("/dev/"))
        diags.error(e.path.origin, fmt::format("'devices.allow.path': '{}' must be under /dev/", e.path.value));
      if (all) diags.error(e.path.origin, "'devices.allow.path' needs a type \"c\" or \"b\" to create a node");
      if ((e.major.is_set() && e.major.value.value < 0) || (e.minor.is_set() && e.minor.value.value < 0))
        diags.error(e.path.origin, "'devices.allow.path' needs exact major and minor numbers, not \"*\"");
    }
  }
}

void validate_seccomp_rule(const SeccompRuleEntry& r, bool is_base, Diagnostics& diags) {
  if (!r.syscalls.is_set() || r.syscalls.value.empty())
    diags.error(r.loc, "'seccomp.rules' entry needs 'syscalls', a non-empty list of syscall names");
  for (const auto& s : r.syscalls.value) {
    if (syscall_known(s.value)) continue;
    const std::string msg = fmt::format("unknown syscall '{}'{}", s.value, did_you_mean(s.value, all_syscall_names()));
    // Bases (Docker's JSON, our default set) may be newer than libseccomp:
    // skip what it does not know, as Docker does. Our own rules must be right.
    if (is_base) {
      diags.warning(s.loc, msg + "; skipped");
    } else {
      diags.error(s.loc, msg);
    }
  }
  if (!r.action.is_set()) {
    diags.error(r.loc, fmt::format("'seccomp.rules' entry needs 'action' (one of {})",
                                   fmt::join(seccomp_action_names(), ", ")));
  } else {
    one_of(r.action, "seccomp.rules.action", seccomp_action_names(), diags, docker_action);
  }
  if (r.errno_ret.is_set() && r.action.is_set() && r.action.value != "errno" && r.action.value != "notify")
    diags.error(r.errno_ret.origin,
                fmt::format("'errno' applies only to action \"errno\" or \"notify\", not \"{}\"", r.action.value));
  std::set<std::int64_t> indices;
  for (const auto& a : r.args.value) {
    if (!a.index.is_set()) {
      diags.error(a.loc, "'seccomp.rules.args' entry needs 'index' (0-5)");
    } else if (a.index.value < 0 || a.index.value > 5) {
      diags.error(a.index.origin, fmt::format("'seccomp.rules.args.index' must be between 0 and 5, not {}",
                                              a.index.value));
    } else if (!indices.insert(a.index.value).second) {
      diags.error(a.index.origin, fmt::format("argument {} is compared twice in one rule; libseccomp allows one "
                                              "comparison per argument (write two rules)", a.index.value));
    }
    if (!a.op.is_set()) {
      diags.error(a.loc, fmt::format("'seccomp.rules.args' entry needs 'op' (one of {})",
                                     fmt::join(seccomp_op_names(), ", ")));
    } else {
      one_of(a.op, "seccomp.rules.args.op", seccomp_op_names(), diags, docker_op);
    }
    if (!a.value.is_set()) diags.error(a.loc, "'seccomp.rules.args' entry needs 'value'");
    const bool masked = a.op.is_set() && a.op.value == "masked_eq";
    if (masked && !a.mask.is_set()) diags.error(a.loc, "op \"masked_eq\" needs 'mask' ((arg & mask) == value)");
    if (!masked && a.mask.is_set()) diags.error(a.mask.origin, "'mask' applies only to op \"masked_eq\"");
    if (a.width.is_set()) {
      if (a.width.value != 32 && a.width.value != 64)
        diags.error(a.width.origin, fmt::format("'width' must be 32 or 64, not {}", a.width.value));
      else if (a.width.value == 32 && a.op.is_set() && a.op.value != "eq" && !masked)
        diags.error(a.width.origin, "width = 32 works only with op \"eq\" or \"masked_eq\" (libseccomp compares "
                                    "64 bits; other 32-bit comparisons cannot be expressed)");
    }
  }
  capability_names(r.caps.value, "seccomp.rules.caps", false, false, diags);
  capability_names(r.not_caps.value, "seccomp.rules.not_caps", false, false, diags);
  for (const auto* list : {&r.arches, &r.not_arches})
    for (const auto& a : list->value)
      if (!normalize_arch(a.value))
        diags.error(a.loc, fmt::format("unknown architecture '{}'{}", a.value, did_you_mean(a.value, arch_names())));
  if (r.min_kernel.is_set() && !syntax::is_kernel_version(r.min_kernel.value))
    diags.error(r.min_kernel.origin, fmt::format("'min_kernel': '{}' is not a kernel version such as \"4.8\"",
                                                 r.min_kernel.value));
}

void validate_seccomp(const SeccompSection& s, bool is_base, Diagnostics& diags) {
  if (s.default_action.is_set())
    one_of(s.default_action, "seccomp.default_action", seccomp_action_names(), diags, docker_action);
  if (s.base.is_set() && s.base.value.empty()) diags.error(s.base.origin, "'seccomp.base' must not be empty");
  for (const auto& r : s.rules.items) validate_seccomp_rule(r, is_base, diags);
}

// The ranges are the kernel's: blkio.weight and io.bfq.weight take 10 to
// 1000 (cgroup v2's io.weight is converted from them, as runc does).
void validate_io(const ResourcesSection& r, Diagnostics& diags) {
  positive(r.io_weight, "resources.io_weight", 10, 1000, diags);
  std::vector<std::tuple<int, std::int64_t, std::int64_t>> seen;  // layer, major, minor
  for (const auto& e : r.io_devices.items) {
    bool numbered = true;
    for (auto [name, field] : {std::pair{"major", &e.major}, {"minor", &e.minor}}) {
      if (!field->is_set()) {
        diags.error(e.loc, fmt::format("'resources.io_devices' entry needs '{}'", name));
        numbered = false;
      } else if (field->value < 0 || field->value > 4294967295LL) {
        diags.error(field->origin, fmt::format("'resources.io_devices.{}' must be between 0 and 4294967295, not {}",
                                               name, field->value));
        numbered = false;
      }
    }
    const bool asks = e.weight.is_set() || e.read_bps.is_set() || e.write_bps.is_set() || e.read_iops.is_set() ||
                      e.write_iops.is_set();
    if (!asks)
      diags.error(e.loc, "'resources.io_devices' entry asks for nothing: give it a weight, read_bps, write_bps, "
                         "read_iops or write_iops");
    positive(e.weight, "resources.io_devices.weight", 10, 1000, diags);
    for (auto [name, field] : {std::pair{"read_bps", &e.read_bps}, {"write_bps", &e.write_bps}})
      if (field->is_set() && (field->value.unlimited || field->value.bytes <= 0))
        diags.error(field->origin, fmt::format("'resources.io_devices.{}' must be a rate of at least 1 byte a second "
                                               "(leave it out for no limit)",
                                               name));
    for (auto [name, field] : {std::pair{"read_iops", &e.read_iops}, {"write_iops", &e.write_iops}})
      if (field->is_set() && field->value < 1)
        diags.error(field->origin, fmt::format("'resources.io_devices.{}' must be at least 1 operation a second "
                                               "(leave it out for no limit), not {}",
                                               name, field->value));
    if (!numbered) continue;
    // Within one layer, two entries for one device would leave which limit
    // holds to the order of the entries; across layers the later one wins.
    const std::tuple device{e.layer, e.major.value, e.minor.value};
    if (std::find(seen.begin(), seen.end(), device) != seen.end())
      diags.error(e.loc, fmt::format("'resources.io_devices' names device {}:{} twice: give one entry all its limits",
                                     e.major.value, e.minor.value));
    seen.push_back(device);
  }
}

// A huge page size as the kernel names it in its hugetlb files: a number
// without leading zeros and KB, MB or GB ("2MB", "1GB", "64KB"); its bytes.
std::optional<std::int64_t> hugepage_size_bytes(const std::string& name) {
  if (name.size() < 3 || name[0] < '1' || name[0] > '9') return std::nullopt;
  const std::string unit = name.substr(name.size() - 2);
  const std::int64_t scale = unit == "KB" ? 1LL << 10 : unit == "MB" ? 1LL << 20 : unit == "GB" ? 1LL << 30 : 0;
  if (scale == 0) return std::nullopt;
  std::int64_t n = 0;
  for (std::size_t i = 0; i + 2 < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || n > (1LL << 20)) return std::nullopt;
    n = n * 10 + (name[i] - '0');
  }
  return n * scale;
}

void validate_hugepages(const ResourcesSection& r, Diagnostics& diags) {
  std::vector<std::pair<int, std::string>> seen;  // layer, page size
  for (const auto& e : r.hugepages.items) {
    if (!e.page_size.is_set() || !e.limit.is_set()) {
      diags.error(e.loc, fmt::format("'resources.hugepages' entry needs '{}'", e.page_size.is_set() ? "limit" : "page_size"));
      continue;
    }
    const auto size = hugepage_size_bytes(e.page_size.value);
    if (!size) {
      diags.error(e.page_size.origin, fmt::format("'resources.hugepages.page_size': '{}' is not a huge page size as "
                                                  "the kernel names them, such as \"2MB\" or \"1GB\"",
                                                  e.page_size.value));
      continue;
    }
    // The kernel rounds a limit down to whole pages without a word; a limit
    // it would not keep as written is a mistake to say now.
    if (e.limit.value.unlimited || e.limit.value.bytes < 0 || e.limit.value.bytes % *size != 0)
      diags.error(e.limit.origin, fmt::format("'resources.hugepages.limit' must be a whole number of {} pages "
                                              "(0 allows none; leave the entry out for no limit), not {}",
                                              e.page_size.value,
                                              e.limit.value.unlimited ? "unlimited" : format_byte_size(e.limit.value.bytes)));
    const std::pair one{e.layer, e.page_size.value};
    if (std::find(seen.begin(), seen.end(), one) != seen.end())
      diags.error(e.loc, fmt::format("'resources.hugepages' names page size {} twice", e.page_size.value));
    seen.push_back(one);
  }
}

// The cgroup v2 files ringfence's own limits write: a unified entry for
// one of them would undo the limit (and a site policy's ceiling on it)
// behind the plan's back, so it must be asked for as that limit. The
// cgroup.* files are the hierarchy's own (membership, structure,
// freezing), never a limit.
const char* governed_by(const std::string& file) {
  static const std::pair<const char*, const char*> kGoverned[] = {
      {"memory.max", "resources.memory"},          {"memory.swap.max", "resources.memory_swap"},
      {"memory.low", "resources.memory_reservation"}, {"cpu.max", "resources.cpus"},
      {"cpu.weight", "resources.cpu_shares"},      {"cpuset.cpus", "resources.cpuset"},
      {"cpuset.mems", "resources.cpuset_mems"},    {"pids.max", "resources.pids_limit"},
      {"io.max", "resources.io_devices"},          {"io.weight", "resources.io_weight"},
      {"io.bfq.weight", "resources.io_weight"}};
  for (const auto& [name, key] : kGoverned)
    if (file == name) return key;
  if (file.rfind("hugetlb.", 0) == 0) return "resources.hugepages";
  return nullptr;
}

// A cgroup v2 interface file's name: a controller, a dot, then lowercase
// letters, digits, '_' and '.' ("memory.high", "cpu.uclamp.min").
bool is_cgroup_file_name(const std::string& name) {
  const auto dot = name.find('.');
  if (dot == 0 || dot == std::string::npos || dot + 1 == name.size() || name.back() == '.') return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) return false;
  return name.find("..") == std::string::npos;
}

void validate_unified(const ResourcesSection& r, Diagnostics& diags) {
  for (const auto& [file, value] : r.unified.value) {
    if (!is_cgroup_file_name(file)) {
      diags.error(value.loc, fmt::format("'resources.unified': '{}' is not a cgroup v2 file name such as "
                                         "\"memory.high\"",
                                         file));
      continue;
    }
    if (file.rfind("cgroup.", 0) == 0)
      diags.error(value.loc, fmt::format("'resources.unified.\"{}\"': the cgroup.* files are the hierarchy's own, "
                                         "not limits",
                                         file));
    else if (const char* key = governed_by(file))
      diags.error(value.loc, fmt::format("'resources.unified.\"{}\"' is the file of '{}': set that instead, so "
                                         "that the plan, the lint and a site policy see the limit",
                                         file, key));
    if (value.value.empty() || value.value.find_first_of(std::string("\n\0", 2)) != std::string::npos)
      diags.error(value.loc, fmt::format("'resources.unified.\"{}\"' must be one line of text", file));
  }
}

void validate_resources(const ResourcesSection& r, Diagnostics& diags) {
  constexpr std::int64_t kMinMemory = 6 * 1024 * 1024;  // Docker's minimum
  if (r.memory.is_set() && !r.memory.value.unlimited && r.memory.value.bytes < kMinMemory)
    diags.error(r.memory.origin, fmt::format("'resources.memory' must be at least 6M (Docker's minimum), not {}",
                                             format_byte_size(r.memory.value.bytes)));
  if (r.memory_reservation.is_set() && r.memory_reservation.value.unlimited)
    diags.error(r.memory_reservation.origin, "'resources.memory_reservation' cannot be unlimited");
  if (r.cpus.is_set() && (r.cpus.value.cpus < 0.01 || r.cpus.value.cpus > 1024))
    diags.error(r.cpus.origin, fmt::format("'resources.cpus' must be between 0.01 and 1024, not {}", r.cpus.value.cpus));
  positive(r.cpu_shares, "resources.cpu_shares", 2, 262144, diags);
  for (const auto* s : {&r.cpuset, &r.cpuset_mems}) {
    if (!s->is_set()) continue;
    // Ranges must run upwards ("3-1" is a typo, not an empty set), and
    // numbers too large to be a CPU are typos too.
    const bool ok = syntax::is_cpu_list(s->value);
    if (!ok)
      diags.error(s->origin, fmt::format("'{}': '{}' is not a CPU or node list such as \"0-3,6\"",
                                         s == &r.cpuset ? "resources.cpuset" : "resources.cpuset_mems", s->value));
  }
  if (r.pids_limit.is_set() && (r.pids_limit.value == 0 || r.pids_limit.value < -1))
    diags.error(r.pids_limit.origin, fmt::format("'resources.pids_limit' must be a positive number, or -1 for "
                                                 "unlimited, not {}",
                                                 r.pids_limit.value));
  positive(r.oom_score_adj, "resources.oom_score_adj", -1000, 1000, diags);
  validate_resource_limits(r, diags);
}

void validate_rlimits(const Setting<KeyedMap<RlimitValue>>& rl, Diagnostics& diags) {
  for (const auto& [name, v] : rl.value) {
    if (!rlimit_resource(name)) {
      diags.error(v.loc, fmt::format("unknown rlimit '{}'{}", name, did_you_mean(name, rlimit_names())));
      continue;
    }
    auto limit = [](std::uint64_t n) {
      return n == RlimitValue::kUnlimited ? std::string("unlimited") : std::to_string(n);
    };
    if (v.value.soft > v.value.hard)
      diags.error(v.loc, fmt::format("'rlimits.{}': the soft limit ({}) is above the hard limit ({}); the kernel "
                                     "refuses that (write \"soft:hard\" with soft <= hard)",
                                     name, limit(v.value.soft), limit(v.value.hard)));
  }
}

void validate_filesystem(const FilesystemSection& f, Diagnostics& diags) {
  absolute_paths(f.masked_paths, "filesystem.masked_paths", diags);
  absolute_paths(f.readonly_paths, "filesystem.readonly_paths", diags);
  inherit_markers(f.masked_paths, "filesystem.masked_paths", diags);
  inherit_markers(f.readonly_paths, "filesystem.readonly_paths", diags);
  for (const auto& t : f.tmpfs.items) {
    if (!t.path.is_set()) {
      diags.error(t.loc, "'filesystem.tmpfs' entry needs 'path'");
    } else {
      absolute_path(t.path.value, t.path.origin, "filesystem.tmpfs.path", diags);
      if (t.path.value == "/") diags.error(t.path.origin, "'filesystem.tmpfs.path' cannot be /");
    }
    if (t.size.is_set() && !t.size.value.unlimited && t.size.value.bytes == 0)
      diags.error(t.size.origin, "'filesystem.tmpfs.size' must be above 0");
  }
  // Two mounts on one target in the same file: the second would hide the
  // first (Docker refuses this as "Duplicate mount point"). A later layer
  // that mounts on a target again replaces the earlier mount on purpose.
  std::map<std::string, const SourceLocation*> targets;
  auto once = [&](const Setting<std::string>& target, const char* key) {
    if (!target.is_set()) return;
    auto [it, fresh] = targets.emplace(target.value, &target.origin);
    if (!fresh)
      diags.error(target.origin, fmt::format("'{}': '{}' is already a mount target at line {}; mount each path once",
                                             key, target.value, it->second->line));
  };
  for (const auto& t : f.tmpfs.items) once(t.path, "filesystem.tmpfs.path");
  for (const auto& v : f.volumes.items) once(v.target, "filesystem.volumes.target");
  for (const auto& v : f.volumes.items) {
    if (!v.source.is_set()) diags.error(v.loc, "'filesystem.volumes' entry needs 'source' (a host path)");
    if (!v.target.is_set()) diags.error(v.loc, "'filesystem.volumes' entry needs 'target' (a path in the sandbox)");
    if (v.source.is_set()) absolute_path(v.source.value, v.source.origin, "filesystem.volumes.source", diags);
    if (v.relabel.is_set() && v.relabel.value != "shared" && v.relabel.value != "private")
      diags.error(v.relabel.origin, fmt::format("'filesystem.volumes.relabel' is \"shared\" (as -v …:z) or "
                                                "\"private\" (:Z), not '{}'",
                                                v.relabel.value));
    if (v.target.is_set()) {
      absolute_path(v.target.value, v.target.origin, "filesystem.volumes.target", diags);
      if (v.target.value == "/") diags.error(v.target.origin, "'filesystem.volumes.target' cannot be /");
    }
  }
}

void validate_process(const ProcessSection& p, Diagnostics& diags) {
  if (p.cwd.is_set()) absolute_path(p.cwd.value, p.cwd.origin, "process.cwd", diags);
  // RFC 1123 host names, at most 64 bytes (the kernel's limit).
  if (p.hostname.is_set() && !syntax::is_hostname(p.hostname.value)) {
    // '_' is the usual slip: offer the name with '-' when that is valid.
    std::string dashed = p.hostname.value;
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    const std::string hint = dashed != p.hostname.value && syntax::is_hostname(dashed)
                                 ? fmt::format(" (did you mean '{}'?)", dashed)
                                 : "";
    diags.error(p.hostname.origin,
                fmt::format("'process.hostname': '{}' is not a host name (letters, digits and '-' in dot-separated "
                            "labels that start and end with a letter or digit, at most 64 characters){}",
                            p.hostname.value, hint));
  }
  for (const auto& [key, value] : p.env.value) {
    if (key.empty() || key.find('=') != std::string::npos || key.find('\0') != std::string::npos)
      diags.error(value.loc, fmt::format("'process.env': '{}' is not a variable name (no '=' or NUL)", key));
    if (value.value.find('\0') != std::string::npos)
      diags.error(value.loc, fmt::format("'process.env.{}' contains a NUL byte", key));
  }
  if (p.umask.is_set() && p.umask.value.bits > 0777)
    diags.error(p.umask.origin, "'process.umask' must be between 0 and 0o777");
}

void validate_lsm(const Profile& p, Diagnostics& diags) {
  if (p.apparmor.profile.is_set() && !syntax::is_apparmor_name(p.apparmor.profile.value))
    diags.error(p.apparmor.profile.origin,
                fmt::format("'apparmor.profile': '{}' is not an AppArmor profile name", p.apparmor.profile.value));
  if (p.apparmor.rules.is_set() && !(p.apparmor.generate.is_set() && p.apparmor.generate.value))
    diags.error(p.apparmor.rules.origin, "'apparmor.rules' needs 'generate = true' (they are added to a generated profile)");
  for (const auto& rule : p.apparmor.rules.value) {
    if (rule.value.find('\n') != std::string::npos || rule.value.find('{') != std::string::npos ||
        rule.value.find('}') != std::string::npos)
      diags.error(rule.loc, "'apparmor.rules' entries are single rules: no newlines or braces");
  }
  for (auto [key, s] : {std::pair{"selinux.user", &p.selinux.user}, {"selinux.role", &p.selinux.role},
                        {"selinux.type", &p.selinux.type}}) {
    if (s->is_set() && !syntax::is_selinux_identifier(s->value))
      diags.error(s->origin, fmt::format("'{}': '{}' is not an SELinux identifier", key, s->value));
  }
  if (p.selinux.level.is_set() && !syntax::is_mls_level(p.selinux.level.value))
    diags.error(p.selinux.level.origin,
                fmt::format("'selinux.level': '{}' is not an MLS level such as \"s0\" or \"s0:c1,c2\"",
                            p.selinux.level.value));
  inherit_markers(p.apparmor.rules, "apparmor.rules", diags);
  for (auto [key, list] : {std::pair{"landlock.read_only", &p.landlock.read_only},
                           {"landlock.read_write", &p.landlock.read_write},
                           {"landlock.execute", &p.landlock.execute}}) {
    absolute_paths(*list, key, diags);
    inherit_markers(*list, key, diags);
  }
}

}  // namespace

namespace {

void validate_values(const Layer& layer, bool is_base, Diagnostics& diags) {
  const Profile& p = layer.data;
  if (p.profile.schema.is_set() && p.profile.schema.value != 1)
    diags.error(p.profile.schema.origin,
                fmt::format("'profile.schema' {} is not supported; this ringfence reads schema 1",
                            p.profile.schema.value));
  if (p.profile.name.is_set() && !syntax::is_name(p.profile.name.value))
    diags.error(p.profile.name.origin,
                fmt::format("'profile.name': '{}' must be letters, digits, '_', '.' or '-'", p.profile.name.value));
  validate_user(p.user, diags);
  capability_names(p.capabilities.add.items, "capabilities.add", true, false, diags);
  capability_names(p.capabilities.drop.items, "capabilities.drop", true, false, diags);
  capability_names(p.capabilities.ambient.value, "capabilities.ambient", false, true, diags);
  inherit_markers(p.capabilities.ambient, "capabilities.ambient", diags);
  validate_devices(p.devices, diags);
  namespace_mode(p.ipc.mode, "ipc.mode", {"private", "shareable", "host", "none"}, true, diags);
  if (p.ipc.shm_size.is_set() && (p.ipc.shm_size.value.unlimited || p.ipc.shm_size.value.bytes == 0))
    diags.error(p.ipc.shm_size.origin, "'ipc.shm_size' must be a size above 0");
  one_of(p.suid.strip, "suid.strip", {"off", "report", "strip"}, diags);
  absolute_paths(p.suid.keep, "suid.keep", diags);
  inherit_markers(p.suid.keep, "suid.keep", diags);
  validate_seccomp(p.seccomp, is_base, diags);
  validate_lsm(p, diags);
  validate_resources(p.resources, diags);
  validate_rlimits(p.rlimits, diags);
  validate_filesystem(p.filesystem, diags);
  namespace_mode(p.network.mode, "network.mode", {"none", "host"}, true, diags);
  namespace_mode(p.namespaces.pid, "namespaces.pid", {"private", "host"}, true, diags);
  namespace_mode(p.namespaces.uts, "namespaces.uts", {"private", "host"}, false, diags);
  namespace_mode(p.namespaces.cgroup, "namespaces.cgroup", {"private", "host"}, false, diags);
  namespace_mode(p.namespaces.time, "namespaces.time", {"private", "host"}, false, diags, false);
  // The kernel keeps a clock's offset within about ±146 years; a century
  // either way is more than any use asks.
  constexpr std::int64_t kCentury = 100LL * 365 * 24 * 3600;
  positive(p.namespaces.time_offset_monotonic, "namespaces.time_offset_monotonic", -kCentury, kCentury, diags);
  positive(p.namespaces.time_offset_boottime, "namespaces.time_offset_boottime", -kCentury, kCentury, diags);
  validate_process(p.process, diags);
  if (p.image.digest.is_set() && !syntax::is_sha256_digest(p.image.digest.value))
    diags.error(p.image.digest.origin,
                fmt::format("'image.digest': '{}' is not a digest (\"sha256:\" followed by 64 lowercase hex digits)",
                            p.image.digest.value));
  if (p.image.rootfs.is_set()) absolute_path(p.image.rootfs.value, p.image.rootfs.origin, "image.rootfs", diags);
  if (p.image.rootfs.is_set() && p.image.name.is_set())
    diags.error(p.image.name.origin, "'image.name' and 'image.rootfs': a sandbox stands on an image or on a "
                                     "directory, not both");
  if (p.image.name.is_set() && p.image.name.value.empty())
    diags.error(p.image.name.origin, "'image.name' is empty");
  if (p.audit.log.is_set()) absolute_path(p.audit.log.value, p.audit.log.origin, "audit.log", diags);
  for (const auto& ig : p.lint.ignore.items) {
    if (!ig.rule.is_set()) diags.error(ig.loc, "'lint.ignore' entry needs 'rule' (a rule ID such as \"RF-CAP-004\")");
    else if (!syntax::is_rule_id(ig.rule.value)) {
      // The usual slips: the "RF-" prefix left out, or lower case.
      std::string fixed = ig.rule.value;
      for (char& c : fixed) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (!fixed.starts_with("RF-")) fixed = "RF-" + fixed;
      const std::string hint = syntax::is_rule_id(fixed) ? fmt::format(" (did you mean '{}'?)", fixed) : "";
      diags.error(ig.rule.origin, fmt::format("'lint.ignore.rule': '{}' is not a rule ID such as \"RF-CAP-004\"{}",
                                              ig.rule.value, hint));
    }
    if (!ig.reason.is_set())
      diags.error(ig.loc, "'lint.ignore' entry needs a 'reason': suppressions must say why");
    else if (ig.reason.value.find_first_not_of(" \t\n") == std::string::npos)
      diags.error(ig.reason.origin, "'lint.ignore.reason' is blank: suppressions must say why");
  }
}

}  // namespace

void validate_resource_limits(const ResourcesSection& r, Diagnostics& diags) {
  validate_io(r, diags);
  validate_hugepages(r, diags);
  validate_unified(r, diags);
}

void validate_layer(const Layer& layer, bool is_base, Diagnostics& diags) {
  // Messages quote names and paths as written; a control character in one
  // ("\u0000") must not garble or cut short what is printed.
  Diagnostics found;
  validate_values(layer, is_base, found);
  for (Diagnostic d : found.all()) {
    d.message = printable(d.message);
    diags.add(std::move(d));
  }
}

}  // namespace ringfence::policy
