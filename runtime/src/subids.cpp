#include "ringfence/runtime/subids.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include <fmt/core.h>

#include "ringfence/base/fd.h"

namespace ringfence::runtime {
namespace {


bool to_u64(std::string_view text, std::uint64_t& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool overlaps(std::uint64_t start, std::uint64_t count, const SubidRange& r) {
  return start < r.start + r.count && r.start < start + count;
}

std::string read_all(const char* path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The reservations of the locked directory: block index -> owner; stale
// ones (their sandbox's state directory is gone) are removed on the way.
std::vector<std::uint32_t> live_reservations(int dir, std::vector<std::pair<std::uint32_t, std::string>>* owners) {
  std::vector<std::uint32_t> taken;
  Fd copy(openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  DIR* d = copy.valid() ? fdopendir(copy.release()) : nullptr;
  if (!d) return taken;
  while (dirent* e = readdir(d)) {
    std::uint64_t index = 0;
    if (!to_u64(e->d_name, index) || index > UINT32_MAX) continue;
    Fd f(openat(dir, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    char buf[4096];
    const ssize_t n = f.valid() ? read(f.get(), buf, sizeof buf) : -1;
    const std::string owner = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
    struct stat st {};
    if (!owner.empty() && owner[0] == '/' && stat(owner.c_str(), &st) != 0 && errno == ENOENT) {
      unlinkat(dir, e->d_name, 0);  // its sandbox was deleted without releasing it (a crash)
      continue;
    }
    taken.push_back(static_cast<std::uint32_t>(index));
    if (owners) owners->emplace_back(static_cast<std::uint32_t>(index), owner);
  }
  closedir(d);
  return taken;
}

// The reservation directory, root's alone, locked for the caller.
Result<Fd> lock_reservations() {
  if (mkdir(kIdReservations, 0700) != 0 && errno != EEXIST)
    return Status::from_errno(fmt::format("create {}", kIdReservations));
  Fd dir(open(kIdReservations, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (!dir.valid() || fstat(dir.get(), &st) != 0) return Status::from_errno(fmt::format("open {}", kIdReservations));
  if (st.st_uid != 0 || (st.st_mode & 077) != 0)
    return Status::failure(fmt::format("{} must be a directory of root's with mode 0700 (it is uid {}, mode {:o})",
                                       kIdReservations, st.st_uid, st.st_mode & 07777),
                           EPERM);
  if (flock(dir.get(), LOCK_EX) != 0) return Status::from_errno(fmt::format("lock {}", kIdReservations));
  return dir;
}

}  // namespace

std::vector<SubidRange> parse_subids(const std::string& text) {
  std::vector<SubidRange> out;
  std::stringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto a = line.find(':');
    const auto b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos || a == 0) continue;
    SubidRange r;
    r.owner = line.substr(0, a);
    if (!to_u64(std::string_view(line).substr(a + 1, b - a - 1), r.start) ||
        !to_u64(std::string_view(line).substr(b + 1), r.count) || r.count == 0)
      continue;
    out.push_back(r);
  }
  return out;
}

bool subid_owner_is(const std::string& owner, const std::string& name, std::optional<uid_t> uid) {
  if (owner == name) return true;
  std::uint64_t n = 0;
  return uid && to_u64(owner, n) && n == *uid;
}

std::optional<std::uint32_t> choose_id_block(const SubidRange& ours_uid, const SubidRange& ours_gid,
                                             const std::vector<SubidRange>& other_uids,
                                             const std::vector<SubidRange>& other_gids,
                                             const std::vector<std::uint32_t>& taken) {
  const std::uint64_t blocks = std::min(ours_uid.count, ours_gid.count) / kIdBlockSize;
  for (std::uint64_t i = 0; i < blocks; ++i) {
    const std::uint64_t u = ours_uid.start + i * kIdBlockSize, g = ours_gid.start + i * kIdBlockSize;
    // Ids above 2^32-2 cannot be mapped.
    if (u + kIdBlockSize > 0xffffffffULL || g + kIdBlockSize > 0xffffffffULL) break;
    if (std::find(taken.begin(), taken.end(), i) != taken.end()) continue;
    const auto hit_u = [&](const SubidRange& r) { return overlaps(u, kIdBlockSize, r); };
    const auto hit_g = [&](const SubidRange& r) { return overlaps(g, kIdBlockSize, r); };
    if (std::any_of(other_uids.begin(), other_uids.end(), hit_u)) continue;
    if (std::any_of(other_gids.begin(), other_gids.end(), hit_g)) continue;
    return static_cast<std::uint32_t>(i);
  }
  return std::nullopt;
}

Result<IdBlock> reserve_id_block(const std::string& owner) {
  std::optional<uid_t> uid;
  if (const passwd* pw = getpwnam(kSubidOwner)) uid = pw->pw_uid;
  std::optional<SubidRange> ours_uid, ours_gid;
  std::vector<SubidRange> other_uids, other_gids;
  auto split = [&](const char* file, std::optional<SubidRange>& ours, std::vector<SubidRange>& others) {
    for (const auto& r : parse_subids(read_all(file))) {
      if (subid_owner_is(r.owner, kSubidOwner, uid)) {
        if (!ours) ours = r;  // the first range is ringfence's; later ones are left alone
        else others.push_back(r);
      } else {
        others.push_back(r);
      }
    }
  };
  split("/etc/subuid", ours_uid, other_uids);
  split("/etc/subgid", ours_gid, other_gids);
  if (!ours_uid || !ours_gid)
    return Status::failure(
        fmt::format("ringfence has no subordinate ids to give this sandbox's user namespace: /etc/subuid and "
                    "/etc/subgid need a range for the user '{}' (scripts/configure-host.sh adds one; "
                    "docs/runtime.md, \"Users and user namespaces\"), or the profile must give uid_map and gid_map",
                    kSubidOwner),
        ENOENT);
  auto dir = lock_reservations();
  if (!dir) return dir.status();
  const auto taken = live_reservations(dir->get(), nullptr);
  const auto index = choose_id_block(*ours_uid, *ours_gid, other_uids, other_gids, taken);
  if (!index)
    return Status::failure(fmt::format("every block of {} ids in ringfence's subordinate range is in use or "
                                       "overlaps another user's range ({} sandboxes hold one)",
                                       kIdBlockSize, taken.size()),
                           EBUSY);
  const std::string name = std::to_string(*index);
  Fd f(openat(dir->get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!f.valid() || write(f.get(), owner.data(), owner.size()) != static_cast<ssize_t>(owner.size())) {
    Status failed = Status::from_errno(fmt::format("reserve {}/{}", kIdReservations, name));
    if (f.valid()) unlinkat(dir->get(), name.c_str(), 0);
    return failed;
  }
  IdBlock b;
  b.uid_start = static_cast<std::uint32_t>(ours_uid->start + std::uint64_t{*index} * kIdBlockSize);
  b.gid_start = static_cast<std::uint32_t>(ours_gid->start + std::uint64_t{*index} * kIdBlockSize);
  return b;
}

void release_id_blocks(const std::string& owner) {
  struct stat st {};
  if (stat(kIdReservations, &st) != 0) return;
  auto dir = lock_reservations();
  if (!dir) return;  // nothing to report to: releasing is best effort
  std::vector<std::pair<std::uint32_t, std::string>> owners;
  live_reservations(dir->get(), &owners);
  for (const auto& [index, who] : owners)
    if (who == owner) unlinkat(dir->get(), std::to_string(index).c_str(), 0);
}

}  // namespace ringfence::runtime
