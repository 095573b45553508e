#include "ringfence/enforcer/suid_record.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "ringfence/base/fd.h"
#include "suid_fs.h"

namespace ringfence::enforcer {
namespace {

std::optional<mode_t> parse_mode(const nlohmann::json& v) {
  if (!v.is_string()) return std::nullopt;
  const auto& s = v.get_ref<const std::string&>();
  if (s.empty() || s.size() > 6) return std::nullopt;
  mode_t mode = 0;
  for (char c : s) {
    if (c < '0' || c > '7') return std::nullopt;
    mode = mode * 8 + static_cast<mode_t>(c - '0');
  }
  if (mode > 07777) return std::nullopt;
  return mode;
}

template <typename T>
bool read_number(const nlohmann::json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) return false;
  const auto v = it->get<std::uint64_t>();
  out = static_cast<T>(v);
  return static_cast<std::uint64_t>(out) == v;
}

std::string btime_text(std::int64_t sec, std::uint32_t nsec) { return suid_fs::time_text(sec, nsec); }

}  // namespace

std::string record_line(const SuidFile& before, mode_t new_mode) {
  nlohmann::ordered_json j;
  j["path"] = before.path;
  j["old_mode"] = suid_fs::octal(before.mode);
  j["new_mode"] = suid_fs::octal(new_mode);
  j["uid"] = before.uid;
  j["gid"] = before.gid;
  j["dev"] = static_cast<std::uint64_t>(before.dev);
  j["ino"] = static_cast<std::uint64_t>(before.ino);
  if (before.has_btime) j["btime"] = btime_text(before.btime_sec, before.btime_nsec);
  if (!before.mtime.empty()) j["mtime"] = before.mtime;
  if (!before.ctime.empty()) j["ctime"] = before.ctime;
  if (!before.sha256.empty()) j["sha256"] = before.sha256;
  // Paths come from the tree and need not be UTF-8: replace what is not,
  // rather than throw halfway through a run. Such a line's path no longer
  // names the file, and its undo is refused.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::optional<SuidChange> parse_record_line(std::string_view line, std::string& error) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error = "not a JSON object";
    return std::nullopt;
  }
  SuidChange c;
  auto path = j.find("path");
  if (path == j.end() || !path->is_string() || path->get_ref<const std::string&>().empty() ||
      path->get_ref<const std::string&>()[0] != '/' || path->get_ref<const std::string&>().find('\0') != std::string::npos) {
    error = "\"path\" must be a path in the tree, starting with '/'";
    return std::nullopt;
  }
  c.path = path->get<std::string>();
  auto old_mode = parse_mode(j.value("old_mode", nlohmann::json()));
  auto new_mode = parse_mode(j.value("new_mode", nlohmann::json()));
  if (!old_mode || !new_mode) {
    error = "\"old_mode\" and \"new_mode\" must be octal strings such as \"04755\"";
    return std::nullopt;
  }
  // The undo may only give back setuid/setgid bits the strip took away.
  if ((*old_mode & (S_ISUID | S_ISGID)) == 0 || stripped_mode(*old_mode) != *new_mode) {
    error = fmt::format("{} -> {} is not a change that stripping setuid/setgid bits makes", suid_fs::octal(*old_mode),
                        suid_fs::octal(*new_mode));
    return std::nullopt;
  }
  c.old_mode = *old_mode;
  c.new_mode = *new_mode;
  if (!read_number(j, "uid", c.uid) || !read_number(j, "gid", c.gid) || !read_number(j, "dev", c.dev) ||
      !read_number(j, "ino", c.ino)) {
    error = "\"uid\", \"gid\", \"dev\" and \"ino\" must be unsigned numbers";
    return std::nullopt;
  }
  if (auto b = j.find("btime"); b != j.end()) {
    if (!b->is_string() || b->get_ref<const std::string&>().empty()) {
      error = "\"btime\" must be a string such as \"1700000000.123456789\"";
      return std::nullopt;
    }
    c.btime = b->get<std::string>();
  }
  for (auto [key, out] : {std::pair{"mtime", &c.mtime}, std::pair{"ctime", &c.ctime}, std::pair{"sha256", &c.sha256}}) {
    auto v = j.find(key);
    if (v == j.end()) continue;
    if (!v->is_string() || v->get_ref<const std::string&>().empty()) {
      error = fmt::format("\"{}\" must be a non-empty string", key);
      return std::nullopt;
    }
    *out = v->get<std::string>();
  }
  // A record of this version always has them; without them the undo could
  // not tell a file written since the strip from the one stripped.
  if (c.mtime.empty() || c.ctime.empty() || c.sha256.empty()) {
    error = "\"mtime\", \"ctime\" and \"sha256\" are missing: the file cannot be shown to be unchanged";
    return std::nullopt;
  }
  return c;
}

RestoreOutcome restore_change(int root_fd, const SuidChange& change, bool dry_run) {
  Fd fd(suid_fs::open_beneath(root_fd, change.path.c_str() + 1, O_PATH | O_NOFOLLOW));
  if (!fd.valid()) {
    const int err = errno;
    if (err == ELOOP || err == EXDEV || err == ENOENT || err == ENOTDIR)
      return {RestoreOutcome::refused,
              err == ELOOP   ? "a symlink is now on its path"
              : err == EXDEV ? "it is now behind a mount point"
                             : std::strerror(err)};
    return {RestoreOutcome::failed, fmt::format("cannot open: {}", std::strerror(err))};
  }
  struct statx stx {};
  if (statx(fd.get(), "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_BTIME, &stx) != 0)
    return {RestoreOutcome::failed, fmt::format("cannot stat: {}", std::strerror(errno))};
  const struct stat st = suid_fs::to_stat(stx);
  // A recorded birth time must still be there: a file without one now
  // cannot be shown to be the same.
  const bool same_birth = change.btime.empty() || ((stx.stx_mask & STATX_BTIME) &&
                                                   btime_text(stx.stx_btime.tv_sec, stx.stx_btime.tv_nsec) == change.btime);
  if (!S_ISREG(st.st_mode) || st.st_dev != change.dev || st.st_ino != change.ino || !same_birth)
    return {RestoreOutcome::refused, "it is no longer the file that was stripped (another inode)"};
  // A bit given back to a file whose owner changed would grant that owner's
  // privileges, which nobody approved.
  if (st.st_uid != change.uid || st.st_gid != change.gid)
    return {RestoreOutcome::refused, fmt::format("its owner is now {}:{}, not {}:{}", st.st_uid, st.st_gid, change.uid,
                                                 change.gid)};
  if ((st.st_mode & 07777) != change.new_mode)
    return {RestoreOutcome::refused,
            fmt::format("its mode is now {}, not the {} the strip left", suid_fs::octal(st.st_mode), suid_fs::octal(change.new_mode))};
  // Written, touched or relinked since the strip: the bits would go back
  // onto something nobody approved.
  if (suid_fs::time_text(stx.stx_mtime.tv_sec, stx.stx_mtime.tv_nsec) != change.mtime)
    return {RestoreOutcome::refused, "it was modified since the strip (its mtime changed)"};
  if (suid_fs::time_text(stx.stx_ctime.tv_sec, stx.stx_ctime.tv_nsec) != change.ctime)
    return {RestoreOutcome::refused, "its inode changed since the strip (its ctime changed)"};
  if (const std::string sum = suid_fs::content_sha256(fd.get()); sum != change.sha256)
    return {RestoreOutcome::refused, sum.empty() ? fmt::format("cannot read its content: {}", std::strerror(errno))
                                                 : "its content is not what was stripped (SHA-256 differs)"};
  if (!dry_run && suid_fs::chmod_fd(fd.get(), change.old_mode) != 0)
    return {RestoreOutcome::failed, fmt::format("cannot change its mode: {}", std::strerror(errno))};
  return {RestoreOutcome::restored, {}};
}

}  // namespace ringfence::enforcer
