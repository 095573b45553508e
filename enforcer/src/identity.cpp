#include "ringfence/enforcer/identity.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>

#include <fmt/core.h>

namespace ringfence::enforcer {
namespace {

std::optional<unsigned> number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream in(line);
  std::string f;
  while (std::getline(in, f, ':')) out.push_back(f);
  if (!line.empty() && line.back() == ':') out.emplace_back();
  return out;
}

// Lines of a colon-separated database; a missing file has none.
std::vector<std::vector<std::string>> table(const std::string& path) {
  std::vector<std::vector<std::string>> out;
  // O_NOFOLLOW is not enough for a database: the file is the sandbox's own,
  // read inside its root, so a symlink in it can only point inside too.
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#') out.push_back(fields(line));
  return out;
}

}  // namespace

std::optional<Identity> resolve_identity(const policy::IdentityParams& params, Status& status,
                                         const std::string& passwd_path, const std::string& group_path) {
  Identity id;
  const auto passwd = table(passwd_path);
  const auto groups = table(group_path);
  bool gid_from_passwd = false;
  if (auto n = number(params.user)) {
    id.uid = *n;
    for (const auto& e : passwd)
      if (e.size() >= 6 && number(e[2]) == id.uid) {
        id.gid = number(e[3]).value_or(0);
        id.home = e[5];
        gid_from_passwd = true;
        break;
      }
    // A uid the rootfs does not know: Docker gives it group 0 (root);
    // ringfence gives it the group of the same number instead.
    if (!gid_from_passwd) id.gid = id.uid;
  } else {
    bool found = false;
    for (const auto& e : passwd)
      if (e.size() >= 6 && e[0] == params.user) {
        auto uid = number(e[2]);
        auto gid = number(e[3]);
        if (!uid || !gid) break;
        id.uid = *uid;
        id.gid = *gid;
        id.home = e[5];
        found = gid_from_passwd = true;
        break;
      }
    if (!found) {
      status = Status::failure(fmt::format("no user '{}' in the sandbox's /etc/passwd", params.user), ENOENT);
      return std::nullopt;
    }
  }
  auto group_id = [&](const std::string& g) -> std::optional<gid_t> {
    if (auto n = number(g)) return *n;
    for (const auto& e : groups)
      if (e.size() >= 3 && e[0] == g) return number(e[2]);
    return std::nullopt;
  };
  if (!params.group.empty()) {
    auto g = group_id(params.group);
    if (!g) {
      status = Status::failure(fmt::format("no group '{}' in the sandbox's /etc/group", params.group), ENOENT);
      return std::nullopt;
    }
    id.gid = *g;
  }
  for (const auto& g : params.groups) {
    auto gid = group_id(g);
    if (!gid) {
      status = Status::failure(fmt::format("no group '{}' in the sandbox's /etc/group", g), ENOENT);
      return std::nullopt;
    }
    id.groups.push_back(*gid);
  }
  return id;
}

Status apply_groups(const Identity& id, bool setgroups_denied) {
  if (setgroups_denied) {
    if (!id.groups.empty()) return Status::failure("setgroups is denied in this user namespace", EPERM);
    return {};
  }
  if (setgroups(id.groups.size(), id.groups.data()) != 0) return Status::from_errno("setgroups");
  return {};
}

Status apply_ids(const Identity& id) {
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return Status::from_errno("prctl(PR_SET_KEEPCAPS)");
  if (setresgid(id.gid, id.gid, id.gid) != 0) return Status::from_errno(fmt::format("setresgid({})", id.gid));
  if (setresuid(id.uid, id.uid, id.uid) != 0) return Status::from_errno(fmt::format("setresuid({})", id.uid));
  return {};
}

}  // namespace ringfence::enforcer
