#include "handover.h"

#include <fcntl.h>
#include <linux/limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "output_log.h"
#include "ringfence/base/fault.h"
#include "ringfence/base/text_file.h"
#include "ringfence/policy/plan_json.h"
#include "steps.h"
#include "supervisor.h"

extern char** environ;

namespace ringfence::runtime {
namespace {

using nlohmann::json;

// The handover's own version: the small supervisor is built with ringfence,
// but a binary replaced under a running ringfence must not misread it.
constexpr int kVersion = 1;

Status bad(const std::string& what) { return Status::failure("the supervisor's handover: " + what, EINVAL); }

}  // namespace

json handover_json(const Handover& h) {
  json j = json::object();
  j["v"] = kVersion;
  j["end"] = h.end == Handover::End::Run ? "run" : "monitor";
  j["sandbox"] = h.sandbox;
  j["audit_log"] = h.audit_log;
  j["audit_fsync_record"] = h.audit_fsync_record;
  j["quiet"] = h.quiet;
  j["child"] = h.child;
  if (h.filter) j["filter"] = policy::seccomp_filter_json(*h.filter);
  if (h.supervise) j["supervise"] = {{"oom", h.supervise->oom}, {"pids", h.supervise->pids}};
  if (h.cgroup) j["cgroup"] = {{"version", h.cgroup->version}, {"dirs", h.cgroup->dirs}};
  j["watch_cgroup"] = h.watch_cgroup;
  j["seen"] = {{"oom_kills", h.seen.oom_kills}, {"pids_max_hits", h.seen.pids_max_hits}};
  j["forward"] = h.forward;
  j["fds"] = {{"pidfd", h.pidfd},
              {"exits", h.exits},
              {"listener", h.listener},
              {"denials", h.denials},
              {"output_file", h.output_file},
              {"output_pipe", h.output_pipe},
              {"report", h.report}};
  j["denial_source"] = {{"init", h.denial_source.init}};
  if (h.denial_source.session) j["denial_source"]["session"] = *h.denial_source.session;
  j["output_max"] = h.output_max;
  j["restore_rgid"] = h.restore_rgid;
  if (h.end == Handover::End::Run) {
    j["state_root"] = h.state_root;
    j["state_dir"] = h.state_dir;
    j["state"] = state_to_json(h.state);
    j["remove"] = h.remove;
  } else {
    j["stop_event"] = h.stop_event;
  }
  return j;
}

Result<Handover> handover_from_json(const json& j) {
  try {
    if (j.at("v").get<int>() != kVersion) return bad("written by another version of ringfence");
    Handover h;
    const std::string end = j.at("end").get<std::string>();
    if (end != "run" && end != "monitor") return bad("an unknown end: " + end);
    h.end = end == "run" ? Handover::End::Run : Handover::End::Monitor;
    h.sandbox = j.at("sandbox").get<std::string>();
    h.audit_log = j.at("audit_log").get<std::string>();
    h.audit_fsync_record = j.at("audit_fsync_record").get<bool>();
    h.quiet = j.at("quiet").get<bool>();
    h.child = j.at("child").get<pid_t>();
    if (h.child <= 0) return bad("no sandbox process");
    if (j.contains("filter")) {
      auto filter = policy::seccomp_filter_from_json(j["filter"]);
      if (!filter) return filter.status();
      h.filter = std::move(*filter);
    }
    if (j.contains("supervise"))
      h.supervise = policy::SuperviseParams{false, j["supervise"].at("oom").get<bool>(),
                                            j["supervise"].at("pids").get<bool>()};
    if (j.contains("cgroup")) {
      enforcer::Cgroup cgroup;
      cgroup.version = j["cgroup"].at("version").get<int>();
      cgroup.dirs = j["cgroup"].at("dirs").get<std::vector<std::pair<std::string, std::string>>>();
      h.cgroup = std::move(cgroup);
    }
    h.watch_cgroup = j.at("watch_cgroup").get<bool>();
    h.seen.oom_kills = j.at("seen").at("oom_kills").get<std::uint64_t>();
    h.seen.pids_max_hits = j.at("seen").at("pids_max_hits").get<std::uint64_t>();
    h.forward = j.at("forward").get<bool>();
    const json& fds = j.at("fds");
    for (auto [key, fd] : {std::pair{"pidfd", &h.pidfd}, std::pair{"exits", &h.exits},
                           std::pair{"listener", &h.listener}, std::pair{"denials", &h.denials},
                           std::pair{"output_file", &h.output_file}, std::pair{"output_pipe", &h.output_pipe},
                           std::pair{"report", &h.report}}) {
      *fd = fds.at(key).get<int>();
      if (*fd < -1) return bad(std::string("a negative descriptor for ") + key);
    }
    if (h.pidfd < 0) return bad("no pidfd of the sandbox's process");
    h.denial_source.init = j.at("denial_source").at("init").get<pid_t>();
    if (j["denial_source"].contains("session"))
      h.denial_source.session = j["denial_source"]["session"].get<std::uint32_t>();
    h.output_max = j.at("output_max").get<off_t>();
    h.restore_rgid = j.at("restore_rgid").get<int>();
    if (h.end == Handover::End::Run) {
      h.state_root = j.at("state_root").get<std::string>();
      h.state_dir = j.at("state_dir").get<std::string>();
      auto state = state_from_json(j.at("state"), "the handover's state");
      if (!state) return state.status();
      h.state = std::move(*state);
      h.remove = j.at("remove").get<bool>();
    } else {
      h.stop_event = j.at("stop_event").get<std::string>();
      if (!json::accept(h.stop_event)) return bad("the stop event is not JSON");
    }
    return h;
  } catch (const json::exception& e) {
    return bad(e.what());
  }
}

Result<Fd> open_small_supervisor() {
  char self[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return Status::from_errno("readlink /proc/self/exe");
  std::string path(self, static_cast<std::size_t>(n));
  path = path.substr(0, path.rfind('/') + 1) + "ringfence-supervisor";
  Fd program(open(path.c_str(), O_PATH | O_CLOEXEC));
  if (!program.valid()) return Status::from_errno("open " + path);
  struct stat mine {}, its {};
  if (stat("/proc/self/exe", &mine) != 0 || fstat(program.get(), &its) != 0) return Status::from_errno("stat " + path);
  // What root execs must be as trusted as ringfence itself.
  if (!S_ISREG(its.st_mode) || its.st_uid != mine.st_uid || (its.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return Status::failure(path + " is not a file of ringfence's owner that only its owner can write", EPERM);
  return program;
}

std::optional<int> set_real_gid_apart() {
  gid_t real = 0, effective = 0, saved = 0;
  if (getresgid(&real, &effective, &saved) != 0) return std::nullopt;
  if (real != effective) return -1;  // already apart: nothing to put back
  const gid_t other = effective == 65534 ? 65533 : 65534;
  if (setresgid(other, static_cast<gid_t>(-1), static_cast<gid_t>(-1)) != 0) return std::nullopt;
  return static_cast<int>(real);
}

Status exec_small_supervisor(const Fd& program, Handover h, const Supervisor& supervisor, const OutputLog* output) {
  const auto standing = supervisor.standing();
  if (standing.rules.filter) h.filter = *standing.rules.filter;
  if (standing.rules.has_supervise) h.supervise = standing.rules.supervise;
  h.pidfd = standing.pidfd;
  h.exits = standing.exits;
  h.forward = standing.forward;
  h.listener = standing.listener;
  h.denials = standing.denials;
  h.denial_source = standing.denial_source;
  h.watch_cgroup = standing.watches_cgroup;
  h.seen = standing.seen;
  if (output) {
    h.output_file = output->file_fd();
    h.output_pipe = output->pipe_fd();
    h.output_max = output->max_bytes();
  }
  // Whatever fails, this process supervises on: with its real gid back.
  auto failed = [&](Status why) {
    if (h.restore_rgid >= 0) (void)setresgid(static_cast<gid_t>(h.restore_rgid), -1, -1);
    return why;
  };
  // Sealed: the description cannot change between this write and the
  // small supervisor's read.
  Fd memfd(fault::call("memfd_create", [] {
    return memfd_create("ringfence-handover", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  }));
  if (!memfd.valid()) return failed(Status::from_errno("memfd_create for the supervisor's handover"));
  const std::string text = handover_json(h).dump();
  if (Status st = ringfence::write_all(memfd.get(), text); !st)
    return failed(Status::failure("write the supervisor's handover: " + st.message, st.err));
  if (fcntl(memfd.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0 ||
      lseek(memfd.get(), 0, SEEK_SET) != 0)
    return failed(Status::from_errno("seal the supervisor's handover"));
  std::vector<int> kept;
  for (int fd : {h.pidfd, h.exits, h.listener, h.denials, h.output_file, h.output_pipe, h.report, memfd.get()})
    if (fd >= 0 && fcntl(fd, F_SETFD, 0) == 0) kept.push_back(fd);
  const std::string fd_arg = std::to_string(memfd.get());
  // The sandbox's name, for `ps` (and only for it).
  const char* argv[] = {"ringfence-supervisor", "--handover", fd_arg.c_str(), h.sandbox.c_str(), nullptr};
  if (!fault_injected("handover"))
    syscall(SYS_execveat, program.get(), "", const_cast<char* const*>(argv), environ, AT_EMPTY_PATH);
  const int err = fault_injected("handover") ? ENOEXEC : errno;
  for (int fd : kept) fcntl(fd, F_SETFD, FD_CLOEXEC);
  return failed(Status::from_errno(err, "exec ringfence-supervisor"));
}

}  // namespace ringfence::runtime
