// cgroup.create, cgroup.attach and devices.cgroup read back from the
// process's own cgroup directories. What the limits must read is what the
// apply writes: the same cgroup_limit_writes computes both.
#include <algorithm>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/ranges.h>

#include "ringfence/enforcer/cgroup.h"
#include "verify_support.h"

namespace ringfence::enforcer {

using detail::verdict;

namespace {

// v1 shows an unlimited limit as a huge page-aligned number, v2 as "max".
bool unlimited(const std::string& v) {
  if (v == "max" || v == "-1") return true;
  try {
    return v.size() > 15 && std::stoull(v) >= (1ull << 62);
  } catch (...) {
    return false;
  }
}

// A per-device file ("254:0 1048576", v2's "254:0 rbps=1048576") or v2's
// "default 100" holds one line per device: the written line's device must
// have a line there with every word that was written (io.max adds the
// limits not written as "max").
bool device_line_holds(const std::string& written, const std::string& read) {
  std::stringstream w(written);
  std::string device;
  w >> device;
  std::stringstream lines(read);
  std::string line;
  while (std::getline(lines, line)) {
    std::stringstream words(line);
    std::string first;
    if (!(words >> first) || first != device) continue;
    std::set<std::string> have;
    for (std::string word; words >> word;) have.insert(word);
    for (std::string word; w >> word;)
      if (!have.count(word)) return false;
    return true;
  }
  return false;
}

bool keyed_by_device(const std::string& written) {
  const auto space = written.find(' ');
  if (space == std::string::npos) return false;
  const std::string first = written.substr(0, space);
  return first == "default" || first.find(':') != std::string::npos;
}

// A word as the kernel reads it back: memory files take "1G" and show
// bytes (memparse), cpu.uclamp.* takes "10" and shows "10.00". nullopt for
// a word that is not a number.
std::optional<long double> as_number(const std::string& w) {
  if (w.empty()) return std::nullopt;
  std::size_t used = 0;
  long double n = 0;
  try {
    n = std::stold(w, &used);
  } catch (...) {
    return std::nullopt;
  }
  if (used == w.size()) return n;
  if (used + 1 != w.size()) return std::nullopt;
  switch (w.back()) {
    case 'k': case 'K': return n * 1024;
    case 'm': case 'M': return n * 1024 * 1024;
    case 'g': case 'G': return n * 1024 * 1024 * 1024;
    case 't': case 'T': return n * 1024 * 1024 * 1024 * 1024;
    default: return std::nullopt;
  }
}

bool same_word(const std::string& written, const std::string& read) {
  if (written == read || (unlimited(written) && unlimited(read))) return true;
  const auto a = as_number(written), b = as_number(read);
  return a && b && *a == *b;
}

bool same_value(const std::string& written, const std::string& read) {
  if (written == read) return true;
  if (keyed_by_device(written)) return device_line_holds(written, read);
  std::stringstream a(written), b(read);
  std::string wa, wb;
  while (true) {
    const bool more_a = static_cast<bool>(a >> wa), more_b = static_cast<bool>(b >> wb);
    if (more_a != more_b) return false;
    if (!more_a) return true;
    if (!same_word(wa, wb)) return false;
  }
}

std::string limit_aspect(const std::string& file) {
  if (file.rfind("memory", 0) == 0) return "memory " + file;
  if (file.rfind("cpu", 0) == 0) return "cpu " + file;
  if (file.rfind("blkio", 0) == 0 || file.rfind("io.", 0) == 0) return "io " + file;
  if (file.rfind("hugetlb.", 0) == 0) return "hugetlb " + file;
  return file;
}

}  // namespace

std::vector<Verdict> verify_cgroup_limits(const policy::CgroupParams& params, const ProcessFacts& facts) {
  Cgroup cg;
  cg.version = facts.cgroup_version;
  cg.dirs = facts.cgroup_dirs;
  std::vector<CgroupWrite> writes;
  if (cg.dirs.empty())
    return {verdict(policy::StepKind::CgroupCreate, "cgroup", Holds::Unknown, "the process's cgroup cannot be found", "the plan's limits")};
  if (Status st = cgroup_limit_writes(cg, params, writes); !st)
    return {verdict(policy::StepKind::CgroupCreate, "cgroup", Holds::No, st.message, "the plan's limits")};
  std::vector<Verdict> out;
  for (const auto& w : writes) {
    const auto it = facts.cgroup_files.find(w.dir + "/" + w.file);
    if (it == facts.cgroup_files.end()) {
      out.push_back(verdict(policy::StepKind::CgroupCreate, limit_aspect(w.file), Holds::Unknown, w.file + " unreadable", w.value));
      continue;
    }
    out.push_back(verdict(policy::StepKind::CgroupCreate, limit_aspect(w.file), same_value(w.value, it->second) ? Holds::Yes : Holds::No,
                          fmt::format("{}={} in {}", w.file, it->second, w.dir), w.value));
  }
  return out;
}

std::vector<Verdict> verify_cgroup_attach(const ProcessFacts& facts) {
  const std::string expected =
      facts.sandbox ? "/" + cgroup_relative_path(*facts.sandbox) : std::string("/ringfence/<sandbox>");
  if (!facts.cgroups || facts.cgroup_dirs.empty())
    return {verdict(policy::StepKind::CgroupAttach, "cgroup", Holds::Unknown, "/proc/PID/cgroup unreadable", expected)};
  std::vector<const CgroupMembership*> mounted;
  // blkio holds a sandbox only when it limits block I/O; cgroup.create's
  // limits then find them there or fail.
  for (const auto& m : *facts.cgroups) {
    bool is_mounted = false;
    for (const auto& d : facts.cgroup_dirs) is_mounted = is_mounted || d.first == m.controllers;
    if (is_mounted && !optional_hierarchy(m.controllers)) mounted.push_back(&m);
  }
  auto shown = [](const CgroupMembership& m) {
    return fmt::format("{}:{}", m.controllers.empty() ? "(v2)" : m.controllers, m.path);
  };
  auto under_ringfence = [](const CgroupMembership* m) { return m->path.rfind("/ringfence/", 0) == 0; };
  // A bare pid in no hierarchy of ringfence's, with a pid or mount
  // namespace of its own, is a container another runtime (runc, crun,
  // podman) started: ringfence's naming does not apply to it. Its cgroup
  // must still not be the root, which no limit bounds.
  auto own_ns = [&facts](const char* kind) {
    const auto it = facts.namespaces.find(kind);
    return it != facts.namespaces.end() && it->second.shared_with_host == std::optional<bool>{false};
  };
  if (!facts.sandbox && std::none_of(mounted.begin(), mounted.end(), under_ringfence) &&
      (own_ns("pid") || own_ns("mnt"))) {
    for (const auto* m : mounted)
      if (m->path == "/")
        return {verdict(policy::StepKind::CgroupAttach, "cgroup", Holds::No,
                        fmt::format("{}: the root cgroup, which no limit bounds", shown(*m)),
                        "a cgroup of its own (not ringfence's: another runtime's layout)")};
    return {verdict(policy::StepKind::CgroupAttach, "cgroup", Holds::Yes,
                    fmt::format("{}: not under /ringfence/, a container another runtime started, in a cgroup of its own",
                                mounted.empty() ? std::string("(none)") : shown(*mounted.front())),
                    "a cgroup of its own (not ringfence's: another runtime's layout)")};
  }
  for (const auto* m : mounted) {
    const bool ok = facts.sandbox ? m->path == expected : under_ringfence(m);
    if (!ok) return {verdict(policy::StepKind::CgroupAttach, "cgroup", Holds::No, shown(*m), expected)};
  }
  return {verdict(policy::StepKind::CgroupAttach, "cgroup", Holds::Yes, expected + " in every hierarchy", expected)};
}

std::set<std::string> device_list_for(const policy::DeviceCgroupParams& params) {
  std::set<std::string> want;
  for (const auto& r : params.rules) {
    const std::string entry = r.type == 'a' ? "a *:* rwm"
                                            : fmt::format("{} {}:{} {}", r.type, r.major < 0 ? "*" : std::to_string(r.major),
                                                          r.minor < 0 ? "*" : std::to_string(r.minor), r.access);
    if (r.type == 'a') want.clear();
    if (r.allow)
      want.insert(entry);
    else
      want.erase(entry);
  }
  return want;
}

namespace {

// cgroup v2: every program in force must allow an access for the kernel to
// allow it. Each is run on the accesses that tell rules apart: every type,
// access and number the plan names, and numbers it names nowhere.
std::vector<Verdict> verify_device_programs(const policy::DeviceCgroupParams& params, const ProcessFacts& facts,
                                            const std::string& expected) {
  if (!facts.device_programs)
    return {verdict(policy::StepKind::DevicesCgroup, "devices", Holds::Unknown,
                    "the cgroup's device programs cannot be read: " + facts.device_programs_unreadable, expected)};
  if (facts.device_programs->empty())
    return {verdict(policy::StepKind::DevicesCgroup, "devices", Holds::No,
                    "no device program is attached: every device may be opened", expected)};
  const auto numbers = device_probe_numbers(params, *facts.device_programs);
  std::vector<std::string> differ;
  for (char type : {'c', 'b'})
    for (char access : {'r', 'w', 'm'})
      for (std::int64_t major : numbers)
        for (std::int64_t minor : numbers) {
          const DeviceAccess a{type, access, major, minor};
          const auto allowed = device_programs_allow(*facts.device_programs, a);
          if (!allowed)
            return {verdict(policy::StepKind::DevicesCgroup, "devices", Holds::Unknown,
                            "a device program in force uses instructions this check cannot run", expected)};
          if (*allowed != device_rules_allow(params, a) && differ.size() < 5)
            differ.push_back(fmt::format("{} {}:{} {} {}", type, major, minor, access, *allowed ? "allowed" : "denied"));
        }
  if (differ.empty())
    return {verdict(policy::StepKind::DevicesCgroup, "devices", Holds::Yes,
                    fmt::format("{} device program(s) in force answer as the rules do", facts.device_programs->size()),
                    expected)};
  return {verdict(policy::StepKind::DevicesCgroup, "devices", Holds::No,
                  fmt::format("the device programs in force differ from the rules: {}", fmt::join(differ, ", ")),
                  expected)};
}

}  // namespace

std::vector<Verdict> verify_device_rules(const policy::DeviceCgroupParams& params, const ProcessFacts& facts) {
  const std::set<std::string> want = device_list_for(params);
  const std::string expected = want.empty() ? "(none)" : fmt::format("{}", fmt::join(want, ", "));
  if (facts.cgroup_version == 2) return verify_device_programs(params, facts, expected);
  std::string dir;
  for (const auto& [controllers, d] : facts.cgroup_dirs)
    if (controllers == "devices" || controllers.find("devices") != std::string::npos) dir = d;
  const auto it = facts.cgroup_files.find(dir + "/devices.list");
  if (dir.empty() || it == facts.cgroup_files.end())
    return {verdict(policy::StepKind::DevicesCgroup, "devices", Holds::Unknown, "devices.list unreadable", expected)};
  std::set<std::string> seen;
  std::stringstream in(it->second);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) seen.insert(line);
  const std::string observed = seen.empty() ? "(none)" : fmt::format("{}", fmt::join(seen, ", "));
  return {verdict(policy::StepKind::DevicesCgroup, "devices", seen == want ? Holds::Yes : Holds::No, observed, expected)};
}

}  // namespace ringfence::enforcer
