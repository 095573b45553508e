// ringfence-oci start / state / kill / delete / list / ps / pause / resume /
// update: what an engine does to a created container. None of them keeps a
// process: each reads the state directory, acts, and records the act in the
// container's audit log.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "oci_hooks.h"
#include "oci_verbs.h"
#include "ringfence/base/paths.h"
#include "ringfence/audit/log_writer.h"
#include "ringfence/enforcer/cgroup.h"
#include "ringfence/enforcer/cgroup_events.h"
#include "ringfence/enforcer/pidfd.h"
#include "ringfence/policy/oci_config.h"
#include "ringfence/runtime/state.h"
#include "ringfence/runtime/subids.h"
#include "sandbox_ref.h"

namespace ringfence::cli {
namespace {

struct Container {
  std::string root;
  runtime::SandboxState state;
  std::string status;  // created | running | paused | stopped
};

enforcer::Cgroup cgroup_of(const runtime::SandboxState& s) {
  const auto layout = enforcer::detect_cgroup_layout();
  return s.cgroup_path.empty() ? enforcer::open_cgroup(layout, s.id) : enforcer::cgroup_at(layout, s.cgroup_path);
}

bool fifo_present(const std::string& root, const std::string& id) {
  struct stat st {};
  return lstat((runtime::state_dir(root, id) + "/" + runtime::kStartFifo).c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
}

std::optional<Container> load(const OciGlobals& g, const std::string& id) {
  if (!runtime::is_valid_name(id)) {
    g.log.error(runtime::check_name(id).message);
    return std::nullopt;
  }
  auto root = oci_state_root(g);
  if (!root) return std::nullopt;
  auto state = runtime::read_state(*root, id);
  if (!state) {
    g.log.error(state.status().err == ENOENT ? fmt::format("container '{}' does not exist", id)
                                             : state.status().message);
    return std::nullopt;
  }
  Container c{*root, *state, "stopped"};
  const auto seen = runtime::observe(*state);
  if (seen.status == "running" || seen.status == "created") {
    if (fifo_present(c.root, id)) c.status = "created";
    else if (enforcer::is_frozen(cgroup_of(c.state))) c.status = "paused";
    else c.status = "running";
  } else if (seen.status == "creating") {
    c.status = "creating";
  }
  return c;
}

void record(const runtime::SandboxState& s, nlohmann::json event) {
  if (s.audit_log.empty()) return;
  audit::LogWriter log(s.audit_log, audit::FsyncPolicy::Batch);
  event["sandbox"] = s.id;
  if (!s.annotations.empty()) event["annotations"] = s.annotations;
  log.add(event);
  if (Status st = log.flush(); !st) std::fprintf(stderr, "ringfence-oci: warning: audit log: %s\n", st.message.c_str());
}

// Without a monitor nobody watched the cgroup while the container ran; its
// counters, read before it is removed, still say how many OOM kills and
// refused forks there were (docs/audit.md).
void record_cgroup_counters(const runtime::SandboxState& s, const enforcer::Cgroup& cgroup) {
  enforcer::CgroupEvents events;
  if (!events.open(cgroup)) return;
  const auto seen = events.read();
  if (seen.oom_kills > 0)
    record(s, {{"event", "cgroup.oom"}, {"oom_kills", seen.oom_kills}, {"memory_limit", events.memory_limit()}});
  if (seen.pids_max_hits > 0)
    record(s, {{"event", "cgroup.pids-limit"},
               {"refused_forks", seen.pids_max_hits},
               {"pids_limit", events.pids_limit()}});
}

}  // namespace

int oci_start(const OciGlobals& g, const std::string& id) {
  auto c = load(g, id);
  if (!c) return 1;
  if (c->status != "created") {
    g.log.error(fmt::format("container '{}' is {}, not created: only a created container can be started", id, c->status));
    return 1;
  }
  const auto& hooks = c->state.hooks;
  const std::string created_state = runtime::oci_state_json(c->state, "created");
  if (Status st = run_hooks(hooks.start_container, "startContainer", created_state, HookPlace::Container, c->state.pid);
      !st) {
    g.log.error(st.message);
    return 1;
  }
  const std::string fifo = runtime::state_dir(c->root, id) + "/" + runtime::kStartFifo;
  // Write-only and non-blocking: with the process gone there is no reader,
  // and the open fails (ENXIO) instead of waiting for ever.
  Fd fd(open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    g.log.error(errno == ENXIO ? fmt::format("container '{}': its process is gone", id)
                               : fmt::format("open {}: {}", fifo, strerror(errno)));
    return 1;
  }
  // Recorded before the process is released, not after: its monitor
  // records what it does from its first call on, and every violation must
  // come after the start in the log (docs/audit.md).
  record(c->state, {{"event", "sandbox.start"}, {"plan_sha256", c->state.plan_sha256}, {"pid", c->state.pid}});
  if (write(fd.get(), "1", 1) != 1) {
    const int err = errno;
    g.log.error(fmt::format("start container '{}': {}", id, strerror(err)));
    record(c->state, {{"event", "step.failed"}, {"step", "start"}, {"errno", err}, {"message", strerror(err)}, {"exit_status", 1}});
    return 1;
  }
  unlink(fifo.c_str());
  c->state.status = "running";
  (void)runtime::write_state(c->root, c->state);
  if (Status st = run_hooks(hooks.poststart, "poststart", runtime::oci_state_json(c->state, "running")); !st)
    g.log.warn(st.message);  // the spec: a failed poststart hook is a warning
  return 0;
}

int oci_state(const OciGlobals& g, const std::string& id) {
  auto c = load(g, id);
  if (!c) return 1;
  std::printf("%s\n", runtime::oci_state_json(c->state, c->status).c_str());
  return 0;
}

int oci_kill(const OciGlobals& g, const std::string& id, const std::string& signal, bool all) {
  auto sig = parse_signal(signal.empty() ? "TERM" : signal);
  if (!sig) {
    g.log.error(fmt::format("'{}' is not a signal", signal));
    return 1;
  }
  auto c = load(g, id);
  if (!c) return 1;
  if (c->status == "stopped" && !all) {
    g.log.error(fmt::format("container '{}' is not running", id));
    return 1;
  }
  int sent = 0;
  if (all) {
    // Through pidfds: a pid read from cgroup.procs may be reused before
    // the signal; the pidfd's process is then checked to be in the cgroup.
    const auto cg = cgroup_of(c->state);
    for (pid_t pid : enforcer::cgroup_pids(cg)) {
      Fd p(enforcer::pidfd_open_process(pid));
      if (!p.valid()) continue;
      const auto still = enforcer::cgroup_pids(cg);
      if (std::find(still.begin(), still.end(), pid) == still.end()) continue;
      if (enforcer::pidfd_signal(p.get(), *sig) == 0) ++sent;
    }
  } else {
    Fd init = open_init(c->state);
    if (!init.valid() || enforcer::pidfd_signal(init.get(), *sig) != 0) {
      g.log.error(fmt::format("container '{}' is not running", id));
      return 1;
    }
    sent = 1;
  }
  record(c->state, {{"event", "container.kill"}, {"signal", *sig}, {"all", all}, {"processes", sent}});
  return 0;
}

int oci_delete(const OciGlobals& g, const std::string& id, bool force) {
  auto c = load(g, id);
  if (!c) return 1;
  if ((c->status == "running" || c->status == "paused") && !force) {
    g.log.error(fmt::format("container '{}' is {}: stop it first or use --force", id, c->status));
    return 1;
  }
  const auto cg = cgroup_of(c->state);
  if (Fd init = open_init(c->state); init.valid()) {
    // A created container has never run its program: deleting it ends it,
    // as runc does. A frozen one must thaw for the kill to land.
    if (c->status == "paused") (void)enforcer::set_frozen(cg, false);
    enforcer::pidfd_signal(init.get(), SIGKILL);
    wait_exit(init.get(), 10);
  }
  if (c->state.monitor_pid > 0) {
    // The monitor records the stop and the cgroup's last events once the
    // process is gone, then ends: waited for, so that its records come
    // before this one's and the cgroup is still there for it to read.
    Fd monitor;
    if (runtime::same_process(c->state.monitor_pid, c->state.monitor_start_time))
      monitor.reset(enforcer::pidfd_open_process(c->state.monitor_pid));
    if (monitor.valid() && !wait_exit(monitor.get(), 10)) {
      g.log.warn(fmt::format("container '{}': its monitor did not end with it and is killed", id));
      enforcer::pidfd_signal(monitor.get(), SIGKILL);
    }
  } else {
    record_cgroup_counters(c->state, cg);
  }
  if (Status st = enforcer::destroy_cgroup(cg); !st) g.log.warn(st.message);
  runtime::release_id_blocks(canonical_or_same(runtime::state_dir(c->root, id)));
  const auto hooks = c->state.hooks;
  if (Status st = runtime::remove_state_dir(c->root, id); !st) {
    g.log.error(st.message);
    return 1;
  }
  record(c->state, {{"event", "container.delete"}, {"status_before", c->status}, {"force", force}});
  if (Status st = run_hooks(hooks.poststop, "poststop", runtime::oci_state_json(c->state, "stopped")); !st)
    g.log.warn(st.message);  // the spec: logged, and the delete goes on
  return 0;
}

int oci_list(const OciGlobals& g, const std::string& format, bool quiet) {
  auto root = oci_state_root(g);
  if (!root) return 1;
  nlohmann::json all = nlohmann::json::array();
  if (format == "table" && !quiet) std::printf("%-24s %-8s %-8s %-s\n", "ID", "PID", "STATUS", "BUNDLE");
  for (const auto& id : runtime::list_ids(*root)) {
    auto c = load(g, id);
    if (!c || !c->state.oci) continue;
    if (quiet) {
      std::printf("%s\n", id.c_str());
    } else if (format == "json") {
      all.push_back({{"ociVersion", "1.2.0"}, {"id", id}, {"pid", c->status == "stopped" ? 0 : c->state.pid},
                     {"status", c->status}, {"bundle", c->state.bundle}, {"created", c->state.started},
                     {"annotations", c->state.annotations}});
    } else {
      std::printf("%-24s %-8d %-8s %s\n", id.c_str(), c->status == "stopped" ? 0 : c->state.pid, c->status.c_str(),
                  c->state.bundle.c_str());
    }
  }
  if (format == "json" && !quiet) std::printf("%s\n", all.dump().c_str());
  return 0;
}

int oci_ps(const OciGlobals& g, const std::string& id, const std::string& format, const std::vector<std::string>& ps_args) {
  auto c = load(g, id);
  if (!c) return 1;
  const auto pids = enforcer::cgroup_pids(cgroup_of(c->state));
  if (format == "json") {
    std::printf("%s\n", nlohmann::json(pids).dump().c_str());
    return 0;
  }
  // The table is ps's own, limited to the container's processes.
  std::string list;
  for (pid_t p : pids) list += (list.empty() ? "" : ",") + std::to_string(p);
  if (list.empty()) return 0;
  std::vector<std::string> args = {"ps"};
  args.insert(args.end(), ps_args.begin(), ps_args.end());
  if (ps_args.empty()) args.push_back("-f");
  args.push_back("-p");
  args.push_back(list);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  execvp("ps", argv.data());
  g.log.error(fmt::format("run ps: {}", strerror(errno)));
  return 1;
}

int oci_pause(const OciGlobals& g, const std::string& id, bool pause) {
  auto c = load(g, id);
  if (!c) return 1;
  const char* want = pause ? "running" : "paused";
  if (c->status != want) {
    g.log.error(fmt::format("container '{}' is {}, not {}", id, c->status, want));
    return 1;
  }
  if (Status st = enforcer::set_frozen(cgroup_of(c->state), pause); !st) {
    g.log.error(st.message);
    return 1;
  }
  record(c->state, {{"event", pause ? "container.pause" : "container.resume"}});
  return 0;
}

int oci_update(const OciGlobals& g, const std::string& id, const OciUpdateOptions& o) {
  auto c = load(g, id);
  if (!c) return 1;
  policy::CgroupParams limits;
  if (!o.resources.empty()) {
    std::string text;
    if (o.resources == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), {});
    } else {
      std::ifstream in(o.resources);
      if (!in) {
        g.log.error(fmt::format("--resources {}: {}", o.resources, strerror(errno)));
        return 1;
      }
      text.assign(std::istreambuf_iterator<char>(in), {});
    }
    // runtime-spec LinuxResources; what this verb cannot change is named.
    try {
      const auto r = nlohmann::json::parse(text);
      // 0 leaves a limit as it is (runc's reading: Docker sends every
      // field, with 0 for those its user did not change).
      auto num = [](const nlohmann::json& j, const char* k) -> std::optional<std::int64_t> {
        if (!j.is_object() || !j.contains(k) || j[k].is_null()) return std::nullopt;
        const auto v = j[k].get<std::int64_t>();
        return v == 0 ? std::nullopt : std::optional<std::int64_t>(v);
      };
      if (r.contains("memory")) {
        limits.memory = num(r["memory"], "limit");
        limits.memory_swap = num(r["memory"], "swap");
        limits.memory_reservation = num(r["memory"], "reservation");
      }
      if (r.contains("pids")) limits.pids_limit = num(r["pids"], "limit");
      if (r.contains("cpu")) {
        limits.cpu_shares = num(r["cpu"], "shares");
        limits.cpu_quota_us = num(r["cpu"], "quota");
        limits.cpu_period_us = num(r["cpu"], "period");
        if (r["cpu"].contains("cpus") && r["cpu"]["cpus"].is_string() && !r["cpu"]["cpus"].get<std::string>().empty()) limits.cpuset_cpus = r["cpu"]["cpus"].get<std::string>();
        if (r["cpu"].contains("mems") && r["cpu"]["mems"].is_string() && !r["cpu"]["mems"].get<std::string>().empty()) limits.cpuset_mems = r["cpu"]["mems"].get<std::string>();
      }
      if (r.contains("blockIO") || r.contains("hugepageLimits") || r.contains("unified")) {
        policy::Diagnostics diags;
        if (!policy::read_oci_update_limits(r, o.resources == "-" ? "<stdin>" : o.resources, limits, diags)) {
          g.log.error(diags.format());
          return 1;
        }
      }
    } catch (const std::exception& e) {
      g.log.error(fmt::format("--resources: not runtime-spec LinuxResources JSON: {}", e.what()));
      return 1;
    }
  }
  if (o.memory) limits.memory = o.memory;
  if (o.memory_swap) limits.memory_swap = o.memory_swap;
  if (o.pids_limit) limits.pids_limit = o.pids_limit;
  if (o.cpu_quota) limits.cpu_quota_us = o.cpu_quota;
  if (o.cpu_period) limits.cpu_period_us = o.cpu_period;
  if (o.cpu_shares) limits.cpu_shares = o.cpu_shares;
  if (!o.cpuset_cpus.empty()) limits.cpuset_cpus = o.cpuset_cpus;
  if (!o.cpuset_mems.empty()) limits.cpuset_mems = o.cpuset_mems;
  if (o.blkio_weight && *o.blkio_weight != 0) limits.io_weight = o.blkio_weight;
  std::vector<enforcer::CgroupWrite> writes;
  auto cg = cgroup_of(c->state);
  // A container made without block I/O or huge page limits has no blkio or
  // hugetlb cgroup (docs/profiles.md): it gets one now, as runc's always
  // have one (`docker update --blkio-weight` on any container).
  if (limits.limits_io() || limits.limits_hugepages() || !limits.unified.empty()) {
    const auto layout = enforcer::detect_cgroup_layout();
    const std::string relative =
        c->state.cgroup_path.empty() ? enforcer::cgroup_relative_path(c->state.id) : c->state.cgroup_path;
    if (Status added = enforcer::add_optional_hierarchies(layout, relative, limits, cg); !added) {
      g.log.error(fmt::format("container '{}': {}", id, added.message));
      return 1;
    }
  }
  Status st = enforcer::cgroup_limit_writes(cg, limits, writes);
  for (const auto& w : writes) {
    if (!st) break;
    std::ofstream out(w.dir + "/" + w.file);
    out << w.value;
    out.flush();
    if (!out) st = Status::failure(fmt::format("write {} to {}/{}: {}", w.value, w.dir, w.file, strerror(errno)), errno);
  }
  if (!st) {
    g.log.error(st.message);
    return 1;
  }
  nlohmann::json applied = nlohmann::json::array();
  for (const auto& w : writes) applied.push_back(w.file + "=" + w.value);
  record(c->state, {{"event", "container.update"}, {"applied", applied}});
  return 0;
}

}  // namespace ringfence::cli
