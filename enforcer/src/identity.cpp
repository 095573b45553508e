#include "ringfence/enforcer/identity.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <sstream>

#include <fmt/core.h>

#include "ringfence/base/fd.h"

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

// The sandbox's passwd and group files come with its rootfs, which may be
// anything an image holds: a symlink to /dev/zero (a line that never ends),
// a FIFO (a read that never returns), a file of gigabytes. Only a regular
// file of a sane size is read. (Symlinks may be followed: after pivot_root
// they resolve inside the sandbox's root.)
constexpr off_t kMaxDatabaseSize = 16 << 20;

using Table = std::vector<std::vector<std::string>>;

// Lines of a colon-separated database; a missing file has none.
Result<Table> table(const std::string& path) {
  Table out;
  Fd fd(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return out;
    return Status::from_errno("open the sandbox's " + path);
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return Status::from_errno("stat the sandbox's " + path);
  if (!S_ISREG(st.st_mode))
    return Status::failure(fmt::format("the sandbox's {} is not a regular file", path), EINVAL);
  std::string text;
  char buf[8192];
  ssize_t n;
  while ((n = read(fd.get(), buf, sizeof buf)) > 0) {
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > static_cast<std::size_t>(kMaxDatabaseSize))
      return Status::failure(fmt::format("the sandbox's {} is larger than {} bytes", path, kMaxDatabaseSize), EFBIG);
  }
  if (n < 0) return Status::from_errno("read the sandbox's " + path);
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#') out.push_back(fields(line));
  return out;
}

// Whether the user namespace this process is in belongs to the user that is
// root in it: its owner's uid, as seen from inside, is 0. (Made by root and
// mapped elsewhere, the owner is unmapped inside and reads as the overflow uid.)
bool namespace_made_by_its_root() {
  Fd ns(open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC));
  if (!ns.valid()) return false;
  uid_t owner = static_cast<uid_t>(-1);
  if (ioctl(ns.get(), NS_GET_OWNER_UID, &owner) != 0) return false;
  return owner == 0;
}

}  // namespace

Result<Identity> resolve_identity(const policy::IdentityParams& params, const std::string& passwd_path,
                                  const std::string& group_path) {
  Identity id;
  const auto passwd_table = table(passwd_path);
  if (!passwd_table) return passwd_table.status();
  const auto group_table = table(group_path);
  if (!group_table) return group_table.status();
  const auto& passwd = *passwd_table;
  const auto& groups = *group_table;
  bool gid_from_passwd = false;
  std::string user_name;  // the passwd entry's name, when there is one
  if (auto n = number(params.user)) {
    id.uid = *n;
    for (const auto& e : passwd)
      if (e.size() >= 6 && number(e[2]) == id.uid) {
        id.gid = number(e[3]).value_or(0);
        id.home = e[5];
        user_name = e[0];
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
        user_name = e[0];
        found = gid_from_passwd = true;
        break;
      }
    if (!found) return Status::failure(fmt::format("no user '{}' in the sandbox's /etc/passwd", params.user), ENOENT);
  }
  auto group_id = [&](const std::string& g) -> std::optional<gid_t> {
    if (auto n = number(g)) return *n;
    for (const auto& e : groups)
      if (e.size() >= 3 && e[0] == g) return number(e[2]);
    return std::nullopt;
  };
  if (!params.group.empty()) {
    auto g = group_id(params.group);
    if (!g) return Status::failure(fmt::format("no group '{}' in the sandbox's /etc/group", params.group), ENOENT);
    id.gid = *g;
  }
  // The groups /etc/group lists the user in, as Docker and runc give them;
  // then those added explicitly (--group-add).
  auto add = [&](std::vector<gid_t>& to, gid_t gid) {
    if (gid != id.gid && std::find(to.begin(), to.end(), gid) == to.end()) to.push_back(gid);
  };
  if (!user_name.empty())
    for (const auto& e : groups) {
      if (e.size() < 4 || !number(e[2])) continue;
      std::stringstream members(e[3]);
      std::string member;
      while (std::getline(members, member, ','))
        if (member == user_name) add(id.listed_groups, *number(e[2]));
    }
  for (const auto& g : params.groups) {
    auto gid = group_id(g);
    if (!gid) return Status::failure(fmt::format("no group '{}' in the sandbox's /etc/group", g), ENOENT);
    add(id.groups, *gid);
  }
  return id;
}

Status apply_groups(const Identity& id, bool setgroups_denied) {
  if (setgroups_denied) {
    // Groups asked for cannot be given; the ones /etc/group lists are simply
    // not given (the program gets less, never more).
    if (!id.groups.empty()) return Status::failure("setgroups is denied in this user namespace", EPERM);
    // Nor can the groups the process brought from outside be cleared here:
    // they would stay, shown as the overflow gid inside but still granting
    // access to files of those groups (a volume's root:disk 0640 file, say).
    // Started by root, ringfence must drop them before it makes the user
    // namespace; if it did not, fail closed. Started by an unprivileged user
    // (who owns the namespace and is its root), they are that user's own
    // groups, which it holds outside anyway and cannot shed: they stay.
    const int held = getgroups(0, nullptr);
    if (held < 0) return Status::from_errno("getgroups");
    if (held > 0 && !namespace_made_by_its_root())
      return Status::failure(fmt::format("the process still holds {} supplementary group(s) from outside the user "
                                         "namespace, which setgroups=deny keeps it from dropping",
                                         held),
                             EPERM);
    return {};
  }
  std::vector<gid_t> all = id.listed_groups;
  for (gid_t g : id.groups)
    if (std::find(all.begin(), all.end(), g) == all.end()) all.push_back(g);
  if (setgroups(all.size(), all.data()) != 0) return Status::from_errno("setgroups");
  return {};
}

Status apply_ids(const Identity& id) {
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return Status::from_errno("prctl(PR_SET_KEEPCAPS)");
  if (setresgid(id.gid, id.gid, id.gid) != 0) return Status::from_errno(fmt::format("setresgid({})", id.gid));
  if (setresuid(id.uid, id.uid, id.uid) != 0) return Status::from_errno(fmt::format("setresuid({})", id.uid));
  return {};
}

}  // namespace ringfence::enforcer
