// The plan as JSON (for tools, golden tests and the plan hash) and as text
// (for people reviewing a profile).
#include "ringfence/policy/plan_json.h"

#include "ringfence/policy/namespace_kinds.h"

#include <map>
#include <sstream>

#include <fmt/format.h>

#include "ringfence/base/sha256.h"
#include "ringfence/policy/names.h"
#include "ringfence/policy/seccomp_vocab.h"
#include "ringfence/policy/units.h"

namespace ringfence::policy {
namespace {

using nlohmann::json;

json cap_names(std::uint64_t set) {
  json out = json::array();
  for (int cap = 0; cap < 64; ++cap)
    if (set & (std::uint64_t{1} << cap)) out.push_back(capability_name(cap));
  return out;
}

std::string where(const SourceLocation& at) { return at.known() ? at.text() : "built-in"; }

json action_json(const SeccompAction& a) {
  json out{{"action", seccomp_action_name(a.kind)}};
  if (a.kind == SeccompActionKind::Errno || a.kind == SeccompActionKind::Notify) out["errno"] = errno_name(a.errno_value);
  return out;
}

std::string hex(std::uint64_t v) { return fmt::format("{:#x}", v); }

struct ParamsJson {
  bool origins;

  json operator()(const NoParams&) const { return json::object(); }
  json operator()(const NoNewPrivsParams&) const { return json::object(); }

  json operator()(const SeccompFilter& f) const {
    json rules = json::array();
    for (const auto& r : f.rules) {
      json rule = action_json(r.action);
      rule["syscalls"] = r.syscalls;
      if (!r.conditions.empty()) {
        json conds = json::array();
        for (const auto& c : r.conditions) {
          json cond{{"index", c.index}, {"op", seccomp_op_name(c.op)}, {"value", hex(c.value)}};
          if (c.op == SeccompOp::MaskedEq) cond["mask"] = hex(c.mask);
          conds.push_back(std::move(cond));
        }
        rule["args"] = std::move(conds);
      }
      // Like the origin, the comment says why, not what is enforced: it
      // stays out of the plan hash.
      if (origins) rule["from"] = where(r.from);
      if (origins && !r.comment.empty()) rule["comment"] = r.comment;
      rules.push_back(std::move(rule));
    }
    json enosys = json::object();
    for (const auto& [arch, nr] : f.enosys_above) enosys[arch] = nr;
    // Member by member, moved in: an initializer list would copy the rules,
    // the biggest part of a plan (the text is the same, keys sorted).
    json out = json::object();
    out["default"] = action_json(f.default_action);
    out["arches"] = f.arches;
    out["enosys_above"] = std::move(enosys);
    out["audit"] = f.audit;
    out["rules"] = std::move(rules);
    // Only in learn mode, so that every other plan (and its hash) is as before.
    if (f.learn) out["learn"] = true;
    // Only under a site policy that forces recording, likewise.
    if (f.audit_required) out["audit_required"] = true;
    return out;
  }

  json operator()(const TimeNamespaceParams& t) const {
    return json{{"offset_monotonic", t.monotonic}, {"offset_boottime", t.boottime}};
  }

  json operator()(const NamespacesParams& n) const {
    json out = json::object();
    for (const auto& k : kNamespaceKinds)
      if (n.*k.created || k.listed_when_off) out[std::string(k.plan)] = n.*k.created;
    return out;
  }

  json operator()(const JoinParams& j) const {
    json out = json::array();
    // "path" only when joining by path: plans that join sandboxes keep the
    // hash they had before paths existed (docs/contributing.md).
    for (const auto& x : j.joins)
      out.push_back(x.path.empty() ? json{{"namespace", x.kind}, {"container", x.container}}
                                   : json{{"namespace", x.kind}, {"path", x.path}});
    return json{{"joins", out}};
  }

  static json id_map(const std::vector<IdMapping>& m) {
    json out = json::array();
    for (const auto& e : m) out.push_back(json{{"inside", e.inside}, {"outside", e.outside}, {"count", e.count}});
    return out;
  }

  json operator()(const UserNsParams& u) const {
    json out{{"auto", u.automatic},
             {"uid_map", id_map(u.uid_map)},
             {"gid_map", id_map(u.gid_map)},
             {"setgroups", u.deny_setgroups ? "deny" : "allow"}};
    if (u.rootless) out["rootless"] = true;
    return out;
  }

  json operator()(const IdentityParams& i) const {
    return json{{"user", i.user}, {"group", i.group}, {"groups", i.groups}};
  }

  json operator()(const CapSets& c) const {
    return json{{"bounding", cap_names(c.bounding)},       {"permitted", cap_names(c.permitted)},
                {"effective", cap_names(c.effective)},     {"inheritable", cap_names(c.inheritable)},
                {"ambient", cap_names(c.ambient)}};
  }

  json operator()(const CgroupParams& c) const {
    json out = json::object();
    // Only the limits that are set: a new one is absent when not asked, so
    // that plans without it keep their hash.
    auto put = [](json& into, const char* k, const auto& v) {
      if (v) into[k] = *v;
    };
    put(out, "memory", c.memory);
    put(out, "memory_swap", c.memory_swap);
    put(out, "memory_reservation", c.memory_reservation);
    put(out, "cpu_quota_us", c.cpu_quota_us);
    put(out, "cpu_period_us", c.cpu_period_us);
    put(out, "cpu_shares", c.cpu_shares);
    put(out, "cpuset_cpus", c.cpuset_cpus);
    put(out, "cpuset_mems", c.cpuset_mems);
    put(out, "pids_limit", c.pids_limit);
    put(out, "io_weight", c.io_weight);
    for (const auto& d : c.io_devices) {
      json one = {{"major", d.major}, {"minor", d.minor}};
      put(one, "weight", d.weight);
      put(one, "read_bps", d.read_bps);
      put(one, "write_bps", d.write_bps);
      put(one, "read_iops", d.read_iops);
      put(one, "write_iops", d.write_iops);
      out["io_devices"].push_back(std::move(one));
    }
    for (const auto& h : c.hugepages) out["hugepages"].push_back({{"page_size", h.page_size}, {"limit", h.limit}});
    for (const auto& [file, value] : c.unified) out["unified"][file] = value;
    return out;
  }

  static std::string number(std::int64_t n) { return n < 0 ? "*" : std::to_string(n); }

  json operator()(const DeviceCgroupParams& d) const {
    json out = json::array();
    for (const auto& r : d.rules)
      out.push_back(fmt::format("{} {} {}:{} {}", r.allow ? "allow" : "deny", r.type, number(r.major),
                                number(r.minor), r.access));
    return json{{"rules", out}};
  }

  static json nodes(const std::vector<DeviceNode>& list) {
    json out = json::array();
    for (const auto& n : list)
      out.push_back(json{{"path", n.path}, {"type", std::string(1, n.type)}, {"major", n.major},
                         {"minor", n.minor}, {"mode", fmt::format("{:04o}", n.mode)}});
    return out;
  }

  json operator()(const DeviceNodesParams& d) const { return json{{"nodes", nodes(d.nodes)}}; }

  json operator()(const RlimitsParams& r) const {
    json out = json::object();
    auto v = [](std::uint64_t n) -> json {
      if (n == RlimitValue::kUnlimited) return "unlimited";
      return n;
    };
    for (const auto& l : r.limits) out[l.name] = json{{"soft", v(l.soft)}, {"hard", v(l.hard)}};
    return out;
  }

  json operator()(const OomScoreParams& o) const { return json{{"oom_score_adj", o.adj}}; }

  json operator()(const RootfsParams& r) const {
    json j{{"source", r.host_root ? "host /" : r.path}, {"nosuid", r.nosuid}, {"nodev", r.nodev}};
    if (r.host_root) j["host_paths"] = r.host_paths;
    // Absent without an image, so that plans of --rootfs keep their hash.
    if (!r.image.empty()) {
      j["image"] = r.image;
      j["image_store"] = r.image_store;
      j["overlay"] = true;
      if (!r.image_upper.empty()) j["image_upper"] = r.image_upper;  // absent: a tmpfs, as before
    }
    return j;
  }

  json operator()(const PropagationParams& p) const { return json{{"mode", p.mode}}; }

  json operator()(const MountsParams& m) const {
    json out = json::array();
    for (const auto& e : m.mounts) {
      json j{{"type", e.type},       {"source", e.source}, {"target", e.target}, {"readonly", e.readonly},
             {"nosuid", e.nosuid},   {"nodev", e.nodev},   {"noexec", e.noexec}};
      if (e.type == "bind") j["recursive"] = e.recursive;
      if (!e.data.empty()) j["data"] = e.data;
      if (e.exact) j["exact"] = true;  // absent when off: older plans keep their hash
      if (e.create_source) j["create_source"] = true;
      if (!e.relabel.empty()) j["relabel"] = e.relabel;
      out.push_back(j);
    }
    return json{{"mounts", out}};
  }

  json operator()(const ProcParams& p) const {
    return json{{"nosuid", p.nosuid}, {"nodev", p.nodev}, {"noexec", p.noexec}};
  }

  json operator()(const DevParams& d) const {
    json out{{"nodes", nodes(d.nodes)}, {"pts", d.pts}, {"shm", d.shm}, {"mqueue", d.mqueue}};
    if (d.host) out["host"] = true;
    if (d.shm) out["shm_size"] = format_byte_size(d.shm_size);
    return out;
  }

  json operator()(const SysParams& s) const { return json{{"readonly", s.readonly}, {"cgroup", s.cgroup}}; }
  json operator()(const PathsParams& p) const { return json{{"paths", p.paths}}; }
  json operator()(const SuidParams& s) const { return json{{"mode", s.mode}, {"keep", s.keep}}; }
  json operator()(const ImageParams& i) const { return json{{"digest", i.digest}}; }

  json operator()(const AppArmorParams& a) const {
    return json{{"profile", a.profile}, {"generate", a.generate}, {"rules", a.rules}, {"optional", a.optional}};
  }

  json operator()(const SELinuxParams& s) const { return json{{"label", s.label}, {"optional", s.optional}}; }

  json operator()(const LandlockParams& l) const {
    return json{{"read_only", l.read_only}, {"read_write", l.read_write}, {"execute", l.execute},
                {"optional", l.optional}};
  }

  json operator()(const HostnameParams& h) const { return json{{"hostname", h.hostname}}; }

  json operator()(const ExecParams& e) const {
    return json{{"env", e.env}, {"cwd", e.cwd}, {"umask", fmt::format("{:04o}", e.umask)}};
  }

  json operator()(const CwdParams& c) const { return json{{"cwd", c.cwd}}; }

  json operator()(const SuperviseParams& s) const {
    return json{{"seccomp_notify", s.seccomp_notify}, {"oom_events", s.oom}, {"pids_events", s.pids}};
  }
};

}  // namespace

nlohmann::json step_params_json(const Step& step, bool include_origins) {
  return std::visit(ParamsJson{include_origins}, step.any_params());
}

nlohmann::json seccomp_filter_json(const SeccompFilter& filter) { return ParamsJson{true}(filter); }

nlohmann::json plan_to_json(const Plan& plan, bool include_origins) {
  json steps = json::array();
  for (const auto& s : plan.steps) {
    json step = json::object();  // not an initializer list, which would copy the params
    step["name"] = s.name();
    step["phase"] = phase_name(s.phase());
    step["params"] = step_params_json(s, include_origins);
    steps.push_back(std::move(step));
  }
  json out{{"profile", plan.profile_name}, {"privileged", plan.privileged}};
  out["steps"] = std::move(steps);
  if (include_origins) out["chain"] = plan.chain;
  return out;
}

// The bytes of plan_to_json(plan, false).dump(), written step by step
// (keys in the tree's sorted order): the start of every sandbox pays for
// this hash. seccomp.compile and seccomp.load carry the same filter, the
// biggest part of a plan, which is rendered once; nor is a tree of the whole
// plan built. PlanJson.TheHashIsOfTheJsonWithoutOrigins holds the two equal.
std::string plan_sha256(const Plan& plan) {
  std::string text = R"({"privileged":)";
  text += plan.privileged ? "true" : "false";
  text += R"(,"profile":)";
  text += json(plan.profile_name).dump();
  text += R"(,"steps":[)";
  const SeccompFilter* rendered = nullptr;
  std::string rendered_text;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& s = plan.steps[i];
    if (i > 0) text += ',';
    text += R"({"name":)";
    text += json(std::string(s.name())).dump();
    text += R"(,"params":)";
    if (const auto* filter = std::get_if<SeccompFilter>(&s.any_params())) {
      if (!rendered || !(*filter == *rendered)) {
        rendered_text = ParamsJson{false}(*filter).dump();
        rendered = filter;
      }
      text += rendered_text;
    } else {
      text += step_params_json(s, false).dump();
    }
    text += R"(,"phase":)";
    text += json(phase_name(s.phase())).dump();
    text += '}';
  }
  text += "]}";
  return sha256_hex(text);
}

namespace {

// Words joined by spaces, wrapped before `width` columns, every line
// starting with `indent`.
std::string wrap(const std::vector<std::string>& words, const std::string& indent, std::size_t width = 100) {
  std::string out, line = indent;
  for (const auto& w : words) {
    if (line.size() > indent.size() && line.size() + 1 + w.size() > width) {
      out += line + "\n";
      line = indent;
    }
    if (line.size() > indent.size()) line += ' ';
    line += w;
  }
  return out + line + "\n";
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::vector<std::string> cap_words(std::uint64_t set) {
  std::vector<std::string> out;
  for (int cap = 0; cap < 64; ++cap)
    if (set & (std::uint64_t{1} << cap)) out.push_back(capability_name(cap).substr(4));
  if (out.empty()) out.push_back("(none)");
  return out;
}

std::string seccomp_text(const SeccompFilter& f) {
  std::size_t calls = 0;
  for (const auto& r : f.rules) calls += r.syscalls.size();
  std::string out = fmt::format("     default {}", seccomp_action_name(f.default_action.kind));
  if (f.default_action.kind == SeccompActionKind::Errno)
    out += fmt::format("({})", errno_name(f.default_action.errno_value));
  out += fmt::format(" on {}; {} rules over {} syscalls\n", fmt::join(f.arches, ", "), f.rules.size(), calls);
  if (!f.enosys_above.empty()) {
    std::vector<std::string> parts;
    for (const auto& [arch, nr] : f.enosys_above) parts.push_back(fmt::format("{} > {:#x}", arch, nr));
    out += fmt::format("     ENOSYS for syscalls newer than the profile: {}\n", fmt::join(parts, ", "));
  }
  if (f.learn)
    out += "     learn mode: every call refused below goes to the supervisor, which lets it run and records it\n";
  for (const auto& r : f.rules) {
    std::string head = seccomp_action_name(r.action.kind);
    if (r.action.kind == SeccompActionKind::Errno || r.action.kind == SeccompActionKind::Notify)
      head += "(" + errno_name(r.action.errno_value) + ")";
    for (const auto& c : r.conditions) {
      if (c.op == SeccompOp::MaskedEq)
        head += fmt::format(" if arg{} & {:#x} == {:#x}", c.index, c.mask, c.value);
      else
        head += fmt::format(" if arg{} {} {:#x}", c.index, seccomp_op_name(c.op), c.value);
    }
    out += fmt::format("       {}:\n", head);
    // The rule's reason above its syscalls, where a reviewer reads them.
    if (!r.comment.empty()) out += wrap(words(r.comment), "         # ");
    out += wrap(r.syscalls, "         ");
  }
  return out;
}

std::string caps_text(const CapSets& c) {
  std::string out = "     bounding:\n" + wrap(cap_words(c.bounding), "       ");
  if (c.permitted == c.bounding && c.effective == c.bounding)
    out += "     permitted = effective = bounding (for root; any other user keeps only the ambient set)\n";
  else
    out += "     permitted:\n" + wrap(cap_words(c.permitted), "       ") + "     effective:\n" +
           wrap(cap_words(c.effective), "       ");
  out += "     inheritable: " + fmt::format("{}", fmt::join(cap_words(c.inheritable), " ")) + "\n";
  out += "     ambient: " + fmt::format("{}", fmt::join(cap_words(c.ambient), " ")) + "\n";
  return out;
}

}  // namespace

std::string plan_to_text(const Plan& plan) {
  std::string out = fmt::format("plan for profile '{}' ({}){}\n", plan.profile_name, fmt::join(plan.chain, " -> "),
                                plan.privileged ? " — PRIVILEGED" : "");
  out += fmt::format("sha256 {}\n", plan_sha256(plan));
  Phase phase{};
  bool first = true;
  int n = 0;
  // Steps that share their parameters with an earlier one (seccomp.load
  // loads what seccomp.compile made; the capability steps apply one set of
  // sets) point back to it instead of printing them again.
  std::map<std::string, int> shown;
  for (const auto& s : plan.steps) {
    if (first || s.phase() != phase) {
      out += fmt::format("\n[{}]\n", phase_name(s.phase()));
      phase = s.phase();
      first = false;
    }
    ++n;
    out += fmt::format("{:3}. {}\n", n, s.name());
    out += wrap({s.reason()}, "     why: ", 1000);
    if (const auto* f = std::get_if<SeccompFilter>(&s.any_params())) {
      if (shown.count("seccomp")) {
        out += fmt::format("     the filter of step {}\n", shown["seccomp"]);
      } else {
        shown["seccomp"] = n;
        out += seccomp_text(*f);
      }
      continue;
    }
    if (const auto* c = std::get_if<CapSets>(&s.any_params())) {
      if (shown.count("caps")) {
        out += fmt::format("     the sets of step {}\n", shown["caps"]);
      } else {
        shown["caps"] = n;
        out += caps_text(*c);
      }
      continue;
    }
    const json params = step_params_json(s, false);
    if (!params.empty()) out += fmt::format("     {}\n", params.dump());
  }
  return out;
}

}  // namespace ringfence::policy
