// ringfence-oci exec: one more process in a container, under the plan the
// container was created with (its bundle recompiled, and refused if that no
// longer gives the same plan), started by the launcher core in exec mode
// (runtime/exec.h). process.json may choose the command, environment, cwd,
// user and terminal, and may narrow the capabilities; it cannot widen them.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "oci_verbs.h"
#include "site_floor.h"
#include "ringfence/base/exit_codes.h"
#include "ringfence/base/fd.h"
#include "ringfence/policy/names.h"
#include "ringfence/policy/oci_config.h"
#include "ringfence/policy/plan_json.h"
#include "ringfence/runtime/exec.h"
#include "ringfence/runtime/state.h"

namespace ringfence::cli {

namespace {

using nlohmann::json;

// Applies process.json (runtime-spec "process") to the exec's plan.
Status apply_process(const json& p, policy::Plan& plan, runtime::ExecHow& how, bool& terminal) {
  if (!p.is_object()) return Status::failure("process.json: not a JSON object", EINVAL);
  if (p.contains("args")) how.argv = p["args"].get<std::vector<std::string>>();
  auto* exec = plan.params<policy::StepKind::ProcessExec>();
  if (p.contains("env") && exec) {
    exec->env.clear();
    for (const auto& e : p["env"].get<std::vector<std::string>>()) {
      const auto eq = e.find('=');
      exec->env[e.substr(0, eq)] = eq == std::string::npos ? "" : e.substr(eq + 1);
    }
  }
  if (p.contains("cwd")) {
    const auto cwd = p["cwd"].get<std::string>();
    if (cwd.empty() || cwd.front() != '/') return Status::failure("process.json: /cwd must be absolute", EINVAL);
    if (exec) exec->cwd = cwd;
    if (auto* c = plan.params<policy::StepKind::ProcessCwd>()) c->cwd = cwd;
  }
  if (p.contains("user")) {
    const auto& u = p["user"];
    for (auto kind : {policy::StepKind::UserIds, policy::StepKind::UserGroups}) {
      policy::IdentityParams* id = kind == policy::StepKind::UserIds ? plan.params<policy::StepKind::UserIds>()
                                                                    : plan.params<policy::StepKind::UserGroups>();
      if (!id) continue;
      if (u.contains("uid")) id->user = std::to_string(u["uid"].get<std::uint32_t>());
      if (u.contains("gid")) id->group = std::to_string(u["gid"].get<std::uint32_t>());
      if (u.contains("additionalGids")) {
        id->groups.clear();
        for (auto g : u["additionalGids"].get<std::vector<std::uint32_t>>()) id->groups.push_back(std::to_string(g));
      }
    }
    if (exec && u.contains("umask")) exec->umask = u["umask"].get<std::uint32_t>();
  }
  if (p.contains("capabilities")) {
    // Narrowing only: a set may lose capabilities the container has, never
    // gain one it lacks (exec --privileged is refused, not granted).
    const auto& caps = p["capabilities"];
    auto bits = [&](const char* set, std::uint64_t& out) -> Status {
      if (!caps.contains(set)) return {};
      std::uint64_t v = 0;
      for (const auto& name : caps[set].get<std::vector<std::string>>()) {
        auto n = policy::capability_from_name(name);
        if (!n) return Status::failure(fmt::format("process.json: /capabilities/{}: unknown capability {}", set, name), EINVAL);
        v |= std::uint64_t{1} << *n;
      }
      out = v;
      return {};
    };
    for (auto kind : {policy::StepKind::CapsBounding, policy::StepKind::CapsSets, policy::StepKind::CapsAmbient}) {
      policy::CapSets* sets = kind == policy::StepKind::CapsBounding ? plan.params<policy::StepKind::CapsBounding>()
                              : kind == policy::StepKind::CapsSets   ? plan.params<policy::StepKind::CapsSets>()
                                                                     : plan.params<policy::StepKind::CapsAmbient>();
      if (!sets) continue;
      policy::CapSets want = *sets;
      for (auto [name, field] : std::initializer_list<std::pair<const char*, std::uint64_t policy::CapSets::*>>{
               {"bounding", &policy::CapSets::bounding},
               {"permitted", &policy::CapSets::permitted},
               {"effective", &policy::CapSets::effective},
               {"inheritable", &policy::CapSets::inheritable},
               {"ambient", &policy::CapSets::ambient}}) {
        if (Status st = bits(name, want.*field); !st) return st;
        const std::uint64_t extra = want.*field & ~(sets->bounding);
        if (!plan.privileged && extra != 0) {
          for (int c = 0; c < 64; ++c)
            if (extra & (std::uint64_t{1} << c))
              return Status::failure(fmt::format("process.json asks {} in /capabilities/{}, which the container does "
                                                 "not have; exec cannot widen the container's policy",
                                                 policy::capability_name(c), name),
                                     EPERM);
        }
      }
      *sets = want;
    }
  }
  if (p.contains("noNewPrivileges") && !p["noNewPrivileges"].get<bool>() &&
      plan.has(policy::StepKind::ProcessNoNewPrivileges))
    return Status::failure("process.json turns noNewPrivileges off, which the container's policy sets", EPERM);
  terminal = p.value("terminal", false);
  if (p.contains("consoleSize"))
    how.console_size = std::make_pair(p["consoleSize"].value("height", std::uint16_t{0}),
                                      p["consoleSize"].value("width", std::uint16_t{0}));
  return {};
}

}  // namespace

int oci_exec(const OciGlobals& g, const OciExecOptions& o) {
  auto fail = [&](const std::string& why) {
    g.log.error(why);
    return 1;
  };
  if (!runtime::is_valid_name(o.id)) return fail(runtime::check_name(o.id).message);
  auto root = oci_state_root(g);
  if (!root) return 1;
  auto state = runtime::read_state(*root, o.id);
  if (!state)
    return fail(state.status().err == ENOENT ? fmt::format("container '{}' does not exist", o.id)
                                             : state.status().message);
  if (!state->oci) return fail(fmt::format("'{}' is not an OCI container; use `ringfence exec`", o.id));
  if (!runtime::same_process(state->pid, state->pid_start_time)) return fail(fmt::format("container '{}' is not running", o.id));

  // The container's plan, from its bundle, as create compiled it.
  policy::Diagnostics diags;
  auto bundle = policy::read_oci_bundle(state->bundle, diags);
  if (!bundle) return fail("the container's bundle cannot be read again:\n" + diags.format());
  // Under the same floor as create, or the plan (and its hash) differ.
  auto floor = load_floor(g.policy);
  if (!floor) return fail(floor.status().message);
  policy::CompileOptions copts;
  copts.rootfs = bundle->root;
  copts.rootless = geteuid() != 0;
  std::vector<policy::FloorDecision> decisions;
  auto compiled = policy::compile_oci(*bundle, copts, floor->has_value() ? &**floor : nullptr, decisions);
  if (policy::any_refused(decisions))
    return fail("the site policy now refuses this container:\n" + compiled.diags.format());
  if (!compiled.ok()) return fail("the container's config.json no longer compiles:\n" + compiled.diags.format());
  policy::Plan plan = *compiled.plan;
  if (policy::plan_sha256(plan) != state->plan_sha256)
    return fail(fmt::format("the config.json of '{}' or the site policy changed since it was created (plan {} now, "
                            "{} then); refusing to exec under a different policy",
                            o.id, policy::plan_sha256(plan).substr(0, 12), state->plan_sha256.substr(0, 12)));

  runtime::ExecHow how;
  how.argv = bundle->args;
  bool terminal = false;
  if (!o.process_file.empty()) {
    std::ifstream in(o.process_file);
    if (!in) return fail(fmt::format("--process {}: {}", o.process_file, strerror(errno)));
    try {
      const auto p = json::parse(std::string(std::istreambuf_iterator<char>(in), {}));
      if (Status s = apply_process(p, plan, how, terminal); !s) return fail(s.message);
    } catch (const std::exception& e) {
      return fail(fmt::format("--process {}: {}", o.process_file, e.what()));
    }
  } else {
    // runc's flags, as a process.json would say them.
    json p = json::object();
    if (o.args.empty()) return fail("exec needs --process FILE or a command");
    p["args"] = o.args;
    if (!o.env.empty()) {
      std::vector<std::string> env;
      if (const auto* e = plan.params<policy::StepKind::ProcessExec>())
        for (const auto& [k, v] : e->env) env.push_back(k + "=" + v);
      env.insert(env.end(), o.env.begin(), o.env.end());
      p["env"] = env;
    }
    if (!o.cwd.empty()) p["cwd"] = o.cwd;
    if (!o.user.empty()) {
      const auto colon = o.user.find(':');
      try {
        p["user"]["uid"] = std::stoul(o.user.substr(0, colon));
        if (colon != std::string::npos) p["user"]["gid"] = std::stoul(o.user.substr(colon + 1));
      } catch (...) {
        return fail(fmt::format("--user {}: expected UID[:GID]", o.user));
      }
    }
    if (!o.caps.empty()) {
      // --cap adds to the container's sets in runc; here it may only name
      // what the container has already (anything else is refused below).
      std::vector<std::string> names(o.caps);
      p["capabilities"]["bounding"] = names;
    }
    p["terminal"] = o.tty;
    if (Status s = apply_process(p, plan, how, terminal); !s) return fail(s.message);
  }
  if (!o.process_label.empty() || !o.apparmor.empty())
    g.log.warn("--process-label/--apparmor: an exec runs under the container's own labels");

  Fd console;
  if (terminal) {
    if (o.console_socket.empty()) return fail("the process asks for a terminal, but no --console-socket was given");
    auto c = connect_console_socket(o.console_socket);
    if (!c) return fail(c.status().message);
    console = std::move(*c);
    how.console_socket = console.get();
  }
  how.detach = o.detach;
  how.preserve_fds = o.preserve_fds;
  how.started = [&](pid_t pid) {
    if (Status s = write_pid_file(o.pid_file, pid); !s) g.log.error(s.message);
  };
  return runtime::exec_with_plan(*root, *state, plan, how);
}

}  // namespace ringfence::cli
