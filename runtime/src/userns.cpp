#include "userns.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/core.h>

#include "ringfence/base/fd.h"
#include "ringfence/runtime/subids.h"

namespace ringfence::runtime {
namespace {

using policy::IdMapping;

Status write_proc(pid_t pid, const char* file, const std::string& value) {
  const std::string path = fmt::format("/proc/{}/{}", pid, file);
  Fd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::from_errno("open " + path);
  if (write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
    return Status::from_errno(fmt::format("write {} ({})", path, value.substr(0, value.find('\n'))));
  return {};
}

std::string map_text(const std::vector<IdMapping>& map) {
  std::string out;
  for (const auto& e : map) out += fmt::format("{} {} {}\n", e.inside, e.outside, e.count);
  return out;
}

// The caller's first range in /etc/subuid or /etc/subgid, as ids 1.. inside.
std::optional<IdMapping> subordinate_range(const char* file, uid_t id) {
  const passwd* pw = getpwuid(id);
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  for (const auto& r : parse_subids(text.str()))
    if (subid_owner_is(r.owner, pw ? pw->pw_name : "", id) && r.start + r.count <= 0xffffffffULL)
      return IdMapping{1, static_cast<std::uint32_t>(r.start), static_cast<std::uint32_t>(r.count)};
  return std::nullopt;
}

bool helper_available(const char* name) {
  for (const char* dir : {"/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/"})
    if (access((std::string(dir) + name).c_str(), X_OK) == 0) return true;
  return false;
}

// newuidmap PID INSIDE OUTSIDE COUNT...
Status run_helper(const char* helper, pid_t child, const std::vector<IdMapping>& map) {
  std::vector<std::string> args = {helper, std::to_string(child)};
  for (const auto& e : map) {
    args.push_back(std::to_string(e.inside));
    args.push_back(std::to_string(e.outside));
    args.push_back(std::to_string(e.count));
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return Status::from_errno(std::string("fork ") + helper);
  if (pid == 0) {
    execvp(helper, argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Status::failure(fmt::format("{} refused the map '{}' (see /etc/subuid and /etc/subgid)", helper,
                                       map_text(map).substr(0, map_text(map).find('\n'))),
                           EPERM);
  return {};
}

}  // namespace

Status write_id_maps(pid_t child, const policy::UserNsParams& params, const std::optional<IdBlock>& block) {
  std::vector<IdMapping> uids = params.uid_map, gids = params.gid_map;
  if (!params.rootless) {
    // The automatic maps: the block of ringfence's own range that step
    // userns.ids reserved for this sandbox.
    if (params.automatic && uids.empty()) {
      if (!block) return Status::failure("no id block was reserved for the automatic maps", EINVAL);
      uids = {{0, block->uid_start, block->count}};
      gids = {{0, block->gid_start, block->count}};
    }
    if (Status st = write_proc(child, "setgroups", params.deny_setgroups ? "deny" : "allow"); !st) return st;
    if (Status st = write_proc(child, "uid_map", map_text(uids)); !st) return st;
    return write_proc(child, "gid_map", map_text(gids));
  }
  const uid_t uid = getuid();
  const gid_t gid = getgid();
  const bool helpers = helper_available("newuidmap") && helper_available("newgidmap");
  if (params.automatic) {
    // Root inside is the caller; with subordinate ids, ids 1.. map onto them.
    uids = {{0, uid, 1}};
    gids = {{0, gid, 1}};
    const auto sub_uid = subordinate_range("/etc/subuid", uid);
    const auto sub_gid = subordinate_range("/etc/subgid", uid);
    if (helpers && sub_uid && sub_gid) {
      uids.push_back(*sub_uid);
      gids.push_back(*sub_gid);
    }
  }
  const bool only_self = uids.size() == 1 && uids[0].outside == uid && uids[0].count == 1 && gids.size() == 1 &&
                         gids[0].outside == gid && gids[0].count == 1;
  if (only_self) {
    // Without a helper an unprivileged process may map its own ids, once
    // setgroups is denied.
    if (Status st = write_proc(child, "setgroups", "deny"); !st) return st;
    if (Status st = write_proc(child, "uid_map", map_text(uids)); !st) return st;
    return write_proc(child, "gid_map", map_text(gids));
  }
  if (!helpers)
    return Status::failure("mapping more than the caller's own id without root needs newuidmap and newgidmap "
                           "(Debian package uidmap)",
                           EPERM);
  if (params.deny_setgroups)
    if (Status st = write_proc(child, "setgroups", "deny"); !st) return st;
  if (Status st = run_helper("newuidmap", child, uids); !st) return st;
  return run_helper("newgidmap", child, gids);
}

}  // namespace ringfence::runtime
