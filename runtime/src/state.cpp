#include "ringfence/runtime/state.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <sstream>
#include <utility>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "ringfence/base/fd.h"
#include "ringfence/enforcer/proc_parse.h"

namespace ringfence::runtime {
namespace {

using nlohmann::json;

json flags_json(const policy::DockerFlags& f) {
  json j;
  j["cap_add"] = f.cap_add;
  j["cap_drop"] = f.cap_drop;
  j["privileged"] = f.privileged;
  j["read_only"] = f.read_only;
  auto opt = [&](const char* k, const std::optional<std::string>& v) {
    if (v) j[k] = *v;
  };
  opt("ipc", f.ipc);
  opt("shm_size", f.shm_size);
  opt("network", f.network);
  opt("pid", f.pid);
  opt("uts", f.uts);
  opt("user", f.user);
  opt("userns", f.userns);
  opt("memory", f.memory);
  opt("memory_swap", f.memory_swap);
  opt("cpus", f.cpus);
  opt("cpu_shares", f.cpu_shares);
  opt("cpuset_cpus", f.cpuset_cpus);
  opt("pids_limit", f.pids_limit);
  opt("blkio_weight", f.blkio_weight);
  opt("workdir", f.workdir);
  opt("hostname", f.hostname);
  // Absent when empty: the state of a sandbox without them reads as before.
  for (const auto& [key, list] : {std::pair{"blkio_weight_devices", &f.blkio_weight_devices},
                                  {"device_read_bps", &f.device_read_bps},
                                  {"device_write_bps", &f.device_write_bps},
                                  {"device_read_iops", &f.device_read_iops},
                                  {"device_write_iops", &f.device_write_iops}})
    if (!list->empty()) j[key] = *list;
  j["devices"] = f.devices;
  j["security_opts"] = f.security_opts;
  j["group_add"] = f.group_add;
  j["tmpfs"] = f.tmpfs;
  j["volumes"] = f.volumes;
  j["env"] = f.env;
  j["ulimits"] = f.ulimits;
  return j;
}

policy::DockerFlags flags_from_json(const json& j) {
  policy::DockerFlags f;
  auto list = [&](const char* k, std::vector<std::string>& out) {
    if (j.contains(k)) out = j[k].get<std::vector<std::string>>();
  };
  auto opt = [&](const char* k, std::optional<std::string>& out) {
    if (j.contains(k)) out = j[k].get<std::string>();
  };
  list("cap_add", f.cap_add);
  list("cap_drop", f.cap_drop);
  f.privileged = j.value("privileged", false);
  f.read_only = j.value("read_only", false);
  opt("ipc", f.ipc);
  opt("shm_size", f.shm_size);
  opt("network", f.network);
  opt("pid", f.pid);
  opt("uts", f.uts);
  opt("user", f.user);
  opt("userns", f.userns);
  opt("memory", f.memory);
  opt("memory_swap", f.memory_swap);
  opt("cpus", f.cpus);
  opt("cpu_shares", f.cpu_shares);
  opt("cpuset_cpus", f.cpuset_cpus);
  opt("pids_limit", f.pids_limit);
  opt("blkio_weight", f.blkio_weight);
  opt("workdir", f.workdir);
  opt("hostname", f.hostname);
  list("blkio_weight_devices", f.blkio_weight_devices);
  list("device_read_bps", f.device_read_bps);
  list("device_write_bps", f.device_write_bps);
  list("device_read_iops", f.device_read_iops);
  list("device_write_iops", f.device_write_iops);
  list("devices", f.devices);
  list("security_opts", f.security_opts);
  list("group_add", f.group_add);
  list("tmpfs", f.tmpfs);
  list("volumes", f.volumes);
  list("env", f.env);
  list("ulimits", f.ulimits);
  return f;
}

// The name as a message may show it: control characters as '?'.
std::string printable(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 2 * kMaxNameLength))
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  return name.size() > 2 * kMaxNameLength ? out + "..." : out;
}

// The state root, without following a symlink in its last component; made
// when `create` and it is missing (0711 for root, whose sandboxes with a
// user namespace must reach their root directory below; 0700 otherwise).
Result<Fd> open_root(const std::string& root, bool create) {
  if (create && mkdir(root.c_str(), geteuid() == 0 ? 0711 : 0700) != 0 && errno != EEXIST)
    return Status::from_errno("create " + root);
  Fd fd(open(root.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    const int err = errno;
    return err == ELOOP || err == ENOTDIR
               ? Status::failure(fmt::format("the state root {} is a symlink or not a directory", root), err)
               : Status::from_errno(err, "open the state root " + root);
  }
  return fd;
}

// The sandbox's directory under an open root.
Result<Fd> open_sandbox_dir(int root_fd, const std::string& root, const std::string& id) {
  Fd fd(openat(root_fd, id.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return Status::from_errno(fmt::format("no sandbox named '{}' ({})", id, state_dir(root, id)));
  return fd;
}

// All of a regular file, opened without following a symlink (and without
// hanging on a FIFO).
bool read_regular(int dir_fd, const char* name, std::string& text) {
  Fd fd(openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || fstat(fd.get(), &st) != 0) return false;
  if (!S_ISREG(st.st_mode)) {
    errno = EINVAL;
    return false;
  }
  char buf[8192];
  ssize_t n;
  while ((n = read(fd.get(), buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  return n == 0;
}

}  // namespace

bool is_valid_name(std::string_view name) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (name.empty() || name.size() > kMaxNameLength || !alnum(name[0])) return false;
  for (char c : name)
    if (!(alnum(c) || c == '_' || c == '.' || c == '-')) return false;
  return true;
}

Status check_name(std::string_view name) {
  if (is_valid_name(name)) return {};
  return Status::failure(fmt::format("invalid sandbox name '{}': a name is 1 to {} characters among a-z, A-Z, 0-9, "
                                     "'_', '.' and '-', and starts with a letter or a digit",
                                     printable(name), kMaxNameLength),
                         EINVAL);
}

std::string state_dir(const std::string& root, const std::string& id) { return root + "/" + id; }

Status create_state_dir(const std::string& root, const std::string& id) {
  if (Status st = check_name(id); !st) return st;
  auto root_fd = open_root(root, true);
  if (!root_fd) return root_fd.status();
  // 0711: a sandbox with a user namespace must reach its root directory
  // below; nobody may list what is here.
  if (mkdirat(root_fd->get(), id.c_str(), 0711) != 0) {
    if (errno == EEXIST)
      return Status::failure(fmt::format("a sandbox named '{}' already exists (ringfence delete {})", id, id), EEXIST);
    return Status::from_errno("create " + state_dir(root, id));
  }
  return {};
}

namespace {

// The hooks later verbs run, in config.json's own spelling.
json hooks_json(const policy::OciHooks& hooks) {
  json out = json::object();
  for (const auto& [name, list] : {std::pair{"startContainer", &hooks.start_container},
                                   std::pair{"poststart", &hooks.poststart}, std::pair{"poststop", &hooks.poststop}}) {
    if (list->empty()) continue;
    json& entries = out[name] = json::array();
    for (const auto& h : *list) {
      json e = {{"path", h.path}, {"args", h.args}, {"env", h.env}};
      if (h.timeout) e["timeout"] = *h.timeout;
      entries.push_back(std::move(e));
    }
  }
  return out;
}

policy::OciHooks hooks_from_json(const json& j) {
  policy::OciHooks hooks;
  for (const auto& [name, list] : {std::pair{"startContainer", &hooks.start_container},
                                   std::pair{"poststart", &hooks.poststart}, std::pair{"poststop", &hooks.poststop}}) {
    if (!j.contains(name)) continue;
    for (const auto& e : j.at(name)) {
      policy::OciHook h;
      h.path = e.at("path").get<std::string>();
      h.args = e.value("args", std::vector<std::string>{});
      h.env = e.value("env", std::vector<std::string>{});
      if (e.contains("timeout")) h.timeout = e.at("timeout").get<int>();
      list->push_back(std::move(h));
    }
  }
  return hooks;
}

}  // namespace

json state_to_json(const SandboxState& s) {
  json j;
  j["ociVersion"] = "1.0.2";
  j["id"] = s.id;
  j["status"] = s.status;
  j["pid"] = s.pid;
  j["bundle"] = s.oci ? s.bundle : s.rootfs;
  j["annotations"] = s.annotations;
  json r;
  r["pid_start_time"] = s.pid_start_time;
  r["supervisor_pid"] = s.supervisor_pid;
  r["supervisor_start_time"] = s.supervisor_start_time;
  r["profile"] = s.profile;
  r["profile_refs"] = s.profile_refs;
  r["flags"] = flags_json(s.flags);
  r["rootfs"] = s.rootfs;
  r["plan_sha256"] = s.plan_sha256;
  r["started"] = s.started;
  r["command"] = s.command;
  if (s.exit_status) r["exit_status"] = *s.exit_status;
  r["detached"] = s.detached;
  r["auto_remove"] = s.auto_remove;
  r["applied_steps"] = s.applied_steps;
  if (!s.audit_log.empty()) r["audit_log"] = s.audit_log;
  if (s.audit_fsync_record) r["audit_fsync"] = "record";
  r["skipped_steps"] = s.skipped_steps;
  // Only OCI containers have these: a run's state reads as before.
  if (s.oci) {
    r["oci"] = true;
    r["cgroup_path"] = s.cgroup_path;
    r["hooks"] = hooks_json(s.hooks);
    if (s.monitor_pid > 0) {
      r["monitor_pid"] = s.monitor_pid;
      r["monitor_start_time"] = s.monitor_start_time;
    }
  }
  j["ringfence"] = r;
  return j;
}

Status write_state(const std::string& root, const SandboxState& s) {
  if (Status st = check_name(s.id); !st) return st;
  const json j = state_to_json(s);
  auto root_fd = open_root(root, false);
  if (!root_fd) return root_fd.status();
  auto dir = open_sandbox_dir(root_fd->get(), root, s.id);
  if (!dir) return dir.status();
  const std::string tmp = state_dir(root, s.id) + "/state.json.tmp";
  const std::string text = j.dump(2) + "\n";
  Fd fd(openat(dir->get(), "state.json.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) return Status::from_errno("create " + tmp);
  if (write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return Status::from_errno("write " + tmp);
  // Swapped in atomically: a reader sees the old state or the new one,
  // never half, and a writer killed midway leaves only a .tmp file. No
  // fsync: the state of running sandboxes does not outlive the machine
  // (/run). For the same reason the new file is exchanged with the old one
  // (RENAME_EXCHANGE) and the old one then unlinked, rather than renamed
  // over it: on ext4 a rename over a file starts writing the new one's
  // data out at once (auto_da_alloc), which only matters across a crash,
  // and made each update 0.2 ms instead of 0.07 (three per run;
  // docs/performance.md). The first write has nothing to exchange with.
  // Like the shared .tmp name, this holds because a sandbox's state has
  // one writer at a time (its launcher and then its supervisor, or an OCI
  // verb): two interleaved exchanges could swap the older state back.
  if (renameat2(dir->get(), "state.json.tmp", dir->get(), "state.json", RENAME_EXCHANGE) == 0) {
    if (unlinkat(dir->get(), "state.json.tmp", 0) != 0) return Status::from_errno("remove " + tmp);
    return {};
  }
  if (renameat(dir->get(), "state.json.tmp", dir->get(), "state.json") != 0) return Status::from_errno("rename " + tmp);
  return {};
}

std::string oci_state_json(const SandboxState& s, const std::string& status) {
  json j;
  j["ociVersion"] = "1.2.0";
  j["id"] = s.id;
  j["status"] = status;
  // A stopped container has no process (runtime spec: "pid ... on Linux
  // ... when status is created or running").
  j["pid"] = status == "stopped" ? 0 : s.pid;
  j["bundle"] = s.oci ? s.bundle : s.rootfs;
  j["annotations"] = s.annotations;
  return j.dump(2);
}

Result<SandboxState> state_from_json(const json& j, const std::string& where) {
  try {
    SandboxState s;
    s.id = j.at("id").get<std::string>();
    s.status = j.at("status").get<std::string>();
    s.pid = j.at("pid").get<pid_t>();
    const json& r = j.at("ringfence");
    s.pid_start_time = r.value("pid_start_time", std::uint64_t{0});
    s.supervisor_pid = r.value("supervisor_pid", 0);
    s.supervisor_start_time = r.value("supervisor_start_time", std::uint64_t{0});
    s.profile = r.value("profile", "");
    s.profile_refs = r.value("profile_refs", std::vector<std::string>{});
    if (r.contains("flags")) s.flags = flags_from_json(r["flags"]);
    s.rootfs = r.value("rootfs", "");
    s.plan_sha256 = r.value("plan_sha256", "");
    s.started = r.value("started", "");
    s.command = r.value("command", std::vector<std::string>{});
    if (r.contains("exit_status")) s.exit_status = r["exit_status"].get<int>();
    s.detached = r.value("detached", false);
    s.auto_remove = r.value("auto_remove", false);
    s.applied_steps = r.value("applied_steps", std::vector<std::string>{});
    s.audit_log = r.value("audit_log", "");
    s.audit_fsync_record = r.value("audit_fsync", "") == "record";
    s.skipped_steps = r.value("skipped_steps", std::vector<std::string>{});
    s.oci = r.value("oci", false);
    if (s.oci) {
      s.bundle = j.value("bundle", "");
      s.annotations = j.value("annotations", std::map<std::string, std::string>{});
      s.cgroup_path = r.value("cgroup_path", "");
      if (r.contains("hooks")) s.hooks = hooks_from_json(r["hooks"]);
      s.monitor_pid = r.value("monitor_pid", 0);
      s.monitor_start_time = r.value("monitor_start_time", std::uint64_t{0});
    }
    return s;
  } catch (const std::exception& e) {
    return Status::failure(fmt::format("{} is damaged: {}", where, e.what()), EINVAL);
  }
}

Result<SandboxState> read_state(const std::string& root, const std::string& id) {
  if (Status st = check_name(id); !st) return st;
  const std::string path = state_dir(root, id) + "/state.json";
  auto root_fd = open_root(root, false);
  if (!root_fd) {
    Status st = root_fd.status();
    if (st.err == ENOENT) st.message = fmt::format("no sandbox named '{}' ({})", id, path);
    return st;
  }
  auto dir = open_sandbox_dir(root_fd->get(), root, id);
  if (!dir) return dir.status();
  std::string text;
  if (!read_regular(dir->get(), "state.json", text)) {
    // The directory without its state: a start killed between making the
    // one and writing the other. Not "no such sandbox" (ENOENT), which
    // `delete` would refuse, leaving the directory for ever.
    if (errno == ENOENT)
      return Status::failure(fmt::format("sandbox '{}' has no state ({}): its start was interrupted before it was "
                                         "written; `ringfence delete {}` removes it",
                                         id, path, id),
                             ENODATA);
    return Status::from_errno(fmt::format("no sandbox named '{}' ({})", id, path));
  }
  try {
    return state_from_json(json::parse(text), path);
  } catch (const std::exception& e) {
    return Status::failure(fmt::format("{} is damaged: {}", path, e.what()), EINVAL);
  }
}

std::vector<std::string> list_ids(const std::string& root) {
  std::vector<std::string> ids;
  auto root_fd = open_root(root, false);
  if (!root_fd) return ids;
  DIR* d = fdopendir(root_fd->get());
  if (!d) return ids;
  root_fd->release();  // closedir closes it
  while (dirent* e = readdir(d)) {
    // Only directories (never a symlink to one) with a valid name: nothing
    // else here is a sandbox.
    if (!is_valid_name(e->d_name)) continue;
    struct stat st {};
    const bool dir = e->d_type == DT_DIR || (e->d_type == DT_UNKNOWN &&
                                             fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                                             S_ISDIR(st.st_mode));
    if (!dir) continue;
    ids.emplace_back(e->d_name);
  }
  closedir(d);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::uint64_t process_start_time(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string stat;
  if (!std::getline(in, stat)) return 0;
  return enforcer::stat_start_time(stat);
}

bool same_process(pid_t pid, std::uint64_t start_time) {
  return pid > 0 && start_time != 0 && process_start_time(pid) == start_time;
}

Observed observe(const SandboxState& s) {
  Observed o{s, s.status, ""};
  const bool init_alive = same_process(s.pid, s.pid_start_time);
  const bool supervisor_alive = same_process(s.supervisor_pid, s.supervisor_start_time);
  if (s.status == "running" || s.status == "created") {
    // An OCI container has no supervisor between verbs: its engine's shim
    // reaps it and knows its status.
    if (!init_alive) {
      o.status = "stopped";
      if (!s.oci) o.note = supervisor_alive ? "exiting" : "supervisor gone; exit status unknown";
    } else if (!supervisor_alive && !s.oci) {
      o.note = "supervisor gone";
    }
  } else if (s.status == "creating" && !supervisor_alive) {
    // The supervisor died between the clone and recording the start: the
    // child dies with it unless it had already become the program, which
    // then runs on, and must be shown so (and be refused to a `delete`
    // without --force).
    o.status = init_alive ? "running" : "stopped";
    o.note = init_alive ? "supervisor gone during start-up" : "start-up interrupted";
  }
  return o;
}

Status remove_state_dir(const std::string& root, const std::string& id) {
  if (Status st = check_name(id); !st) return st;
  // One descriptor at a time, the sandbox's directory first: a start that
  // failed for want of descriptors (EMFILE) is cleaned up with the one it
  // has left. The directory is opened as open_root opens the root, by path,
  // its last component never a symlink.
  {
    Fd dir(open(state_dir(root, id).c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (dir.valid()) {
      unlinkat(dir.get(), "state.json", 0);
      unlinkat(dir.get(), "state.json.tmp", 0);
      unlinkat(dir.get(), kStartFifo, 0);
      unlinkat(dir.get(), "root", AT_REMOVEDIR);
    }
  }
  auto root_fd = open_root(root, false);
  if (!root_fd) return root_fd.status().err == ENOENT ? Status{} : root_fd.status();
  unlinkat(root_fd->get(), (id + ".log").c_str(), 0);  // a detached sandbox's output
  unlinkat(root_fd->get(), (id + ".log.1").c_str(), 0);  // and its older half (output_log.h)
  unlinkat(root_fd->get(), (id + ".log.new").c_str(), 0);     // a rotation's, cut short
  unlinkat(root_fd->get(), (id + ".log.1.new").c_str(), 0);
  if (unlinkat(root_fd->get(), id.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
    return Status::from_errno("remove " + state_dir(root, id));
  return {};
}

Result<Fd> open_sandbox_log(const std::string& root, const std::string& id, const std::string& suffix, bool fresh) {
  if (Status st = check_name(id); !st) return st;
  auto root_fd = open_root(root, true);
  if (!root_fd) return root_fd.status();
  const std::string path = state_dir(root, id) + suffix;
  // O_NONBLOCK: a FIFO there must not hang the open; it is refused below.
  Fd fd(openat(root_fd->get(), (id + suffix).c_str(),
               O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | (fresh ? O_TRUNC : 0), 0600));
  struct stat st {};
  if (!fd.valid() || fstat(fd.get(), &st) != 0)
    return errno == ELOOP ? Status::failure(fmt::format("the sandbox's log {} is a symlink; it is not followed", path),
                                            ELOOP)
                          : Status::from_errno("open the sandbox's log " + path);
  if (!S_ISREG(st.st_mode))
    return Status::failure(fmt::format("the sandbox's log {} is not a regular file", path), EINVAL);
  // Back to blocking writes: the program's output must not be lost to EAGAIN.
  if (fcntl(fd.get(), F_SETFL, O_APPEND) != 0) return Status::from_errno("open the sandbox's log " + path);
  return fd;
}

std::string now_rfc3339() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  gmtime_r(&ts.tv_sec, &t);
  char buf[64];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &t);
  return fmt::format("{}.{:03d}Z", buf, ts.tv_nsec / 1000000);
}

}  // namespace ringfence::runtime
