// The layer applier: one entry at a time, each resolved under the tree's
// descriptor (tree_ops.h), each file created fresh, never written through
// an existing inode (a tree's files may be hard links shared with other
// trees in the store).
#include "ringfence/image/layer_apply.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <set>
#include <string_view>

#include <fmt/format.h>

#include "entry_data.h"
#include "entry_name.h"
#include "layer_stream.h"
#include "tree_ops.h"

namespace ringfence::image {

namespace {

using detail::EntryPath;

class Applier {
 public:
  Applier(int tree_fd, const UnpackPolicy& policy, const std::string& what, detail::LayerStream& stream)
      : tree_fd_(tree_fd), policy_(policy), what_(what), stream_(stream) {
    for (const auto& path : policy.keep) {
      auto parsed = detail::parse_entry_path(path);
      if (parsed.ok()) keep_.insert(parsed->absolute());
    }
  }

  Status apply(archive_entry* e);
  // Directory mtimes, set once their children are all written.
  void set_directory_times();
  UnpackReport& report() { return report_; }

 private:
  Status fail(const std::string& entry, const std::string& reason, int err) const {
    return Status::failure(fmt::format("{}: {}: {}", what_, entry, reason), err != 0 ? err : EBADMSG);
  }
  Status fail_with(const std::string& entry, const Status& s) const { return fail(entry, s.message, s.err); }
  Status fail_errno(const std::string& entry, const std::string& doing) const {
    const int err = errno;
    return fail(entry, fmt::format("{}: {}", doing, std::strerror(err)), err);
  }

  Status apply_whiteout(const std::string& entry, const EntryPath& path, bool opaque);
  Status apply_hardlink(archive_entry* e, const std::string& entry, const EntryPath& path);
  Status apply_file(archive_entry* e, const std::string& entry, const EntryPath& path);
  Status apply_directory(archive_entry* e, const std::string& entry, const EntryPath& path);
  Status apply_symlink(archive_entry* e, const std::string& entry, const EntryPath& path);
  Status apply_special(archive_entry* e, const std::string& entry, const EntryPath& path);

  Result<Fd> open_parent(const EntryPath& path);
  // Makes room for a new entry at `name`: unlinks what is there (a
  // directory with everything in it). With keep_directory, an existing
  // directory stays and *was_directory says so.
  Status clear(int parent, const std::string& name, bool keep_directory, bool* was_directory);
  Result<detail::Owner> owner(archive_entry* e, const std::string& entry) const {
    auto who = detail::entry_owner(e);
    if (!who.ok()) return fail_with(entry, who.status());
    return who;
  }
  detail::Made made(const std::string& relative) const;

  int tree_fd_;
  const UnpackPolicy& policy_;
  const std::string& what_;
  detail::LayerStream& stream_;
  std::set<std::string> keep_;
  // What this layer made, by relative path: whiteouts hide only what the
  // lower layers made, wherever in the layer the whiteout comes.
  std::set<std::string> made_;
  std::vector<std::pair<std::string, timespec>> directory_times_;
  UnpackReport report_;
};

Status Applier::apply(archive_entry* e) {
  const char* raw = la::archive_entry_pathname(e);
  if (raw == nullptr) raw = la::archive_entry_pathname_utf8(e);
  const std::string entry = raw != nullptr ? raw : "";
  if (++report_.entries > policy_.max_entries) {
    return fail(entry, fmt::format("more than {} entries in the layer", policy_.max_entries), EFBIG);
  }
  auto path = detail::parse_entry_path(entry);
  if (!path.ok()) return fail(entry.empty() ? "(no name)" : entry, path.status().message, path.status().err);
  const bool hardlink = la::archive_entry_hardlink(e) != nullptr;
  const auto type = la::archive_entry_filetype(e);
  if (path->is_root()) {
    // "./": the image's root directory. Its owner and mode are the tree's.
    if (hardlink || type != AE_IFDIR) return fail(entry, "names the root but is not a directory", EBADMSG);
    return apply_directory(e, entry, *path);
  }
  switch (detail::classify_whiteout(path->name())) {
    case detail::Whiteout::invalid:
      return fail(entry, "a .wh. name that is not a valid whiteout", EBADMSG);
    case detail::Whiteout::file:
      return apply_whiteout(entry, *path, false);
    case detail::Whiteout::opaque:
      return apply_whiteout(entry, *path, true);
    case detail::Whiteout::none:
      break;
  }
  if (hardlink) return apply_hardlink(e, entry, *path);
  switch (type) {
    case AE_IFREG:
      return apply_file(e, entry, *path);
    case AE_IFDIR:
      return apply_directory(e, entry, *path);
    case AE_IFLNK:
      return apply_symlink(e, entry, *path);
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
    case AE_IFSOCK:
      return apply_special(e, entry, *path);
    default:
      return fail(entry, fmt::format("unknown entry type {:o}", static_cast<unsigned>(type)), EBADMSG);
  }
}

detail::Made Applier::made(const std::string& relative) const {
  if (made_.count(relative) != 0) return detail::Made::self;
  const std::string prefix = relative + "/";
  const auto it = made_.lower_bound(prefix);
  if (it != made_.end() && it->compare(0, prefix.size(), prefix) == 0) return detail::Made::below;
  return detail::Made::none;
}

Status Applier::apply_whiteout(const std::string& entry, const EntryPath& path, bool opaque) {
  // The directory the whiteout is in, not made if missing: then there is
  // nothing in it to hide.
  const std::string dir_relative = path.parent_relative();
  Fd dir(detail::open_in_tree(tree_fd_, dir_relative, O_PATH | O_DIRECTORY));
  if (!dir.valid()) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::success();
    return fail_errno(entry, "open its directory");
  }
  const auto is_made = [this](const std::string& relative) { return made(relative); };
  const auto removed = [this](const std::string& relative) { report_.whiteouts.push_back("/" + relative); };
  Status s;
  if (opaque) {
    s = detail::remove_lower_children(dir.get(), dir_relative, is_made, removed);
  } else {
    const std::string name = detail::whited_out_name(path.name());
    const std::string relative = dir_relative.empty() ? name : dir_relative + "/" + name;
    s = detail::remove_lower(dir.get(), name, relative, is_made, removed);
  }
  return s.ok() ? s : fail_with(entry, s);
}

Result<Fd> Applier::open_parent(const EntryPath& path) {
  return detail::open_parent_dir(tree_fd_, path.parent_relative(),
                                 [this](const std::string& relative) { made_.insert(relative); });
}

Status Applier::clear(int parent, const std::string& name, bool keep_directory, bool* was_directory) {
  if (was_directory != nullptr) *was_directory = false;
  struct stat st {};
  if (fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    return errno == ENOENT ? Status::success() : Status::from_errno("stat what is there");
  }
  if (S_ISDIR(st.st_mode)) {
    if (keep_directory) {
      if (was_directory != nullptr) *was_directory = true;
      return Status::success();
    }
    return detail::remove_tree(parent, name);
  }
  if (unlinkat(parent, name.c_str(), 0) < 0) return Status::from_errno("remove what is there");
  return Status::success();
}

Status Applier::apply_file(archive_entry* e, const std::string& entry, const EntryPath& path) {
  const std::int64_t size = la::archive_entry_size_is_set(e) ? la::archive_entry_size(e) : 0;
  if (size < 0) return fail(entry, "negative size", EBADMSG);
  // Before anything is written: a tar bomb (or a sparse entry of many
  // gigabytes) is refused by its header.
  const auto usize = static_cast<std::uint64_t>(size);
  if (usize > policy_.max_bytes || report_.bytes > policy_.max_bytes - usize) {
    return fail(entry, fmt::format("the layer's files exceed {} bytes", policy_.max_bytes), EFBIG);
  }
  report_.bytes += usize;
  auto who = owner(e, entry);
  if (!who.ok()) return who.status();

  // The [suid] policy, decided before the file exists so that a stripped
  // bit or capability is never on it, not even for a moment.
  auto perm = static_cast<unsigned>(la::archive_entry_perm(e)) & 07777u;
  const bool file_caps = detail::entry_has_xattr(e, detail::kCapabilityXattr);
  bool strip = false;
  if ((perm & (S_ISUID | S_ISGID)) != 0 || file_caps) {
    strip = policy_.suid == "strip" && keep_.count(path.absolute()) == 0;
    report_.privileged.push_back({path.absolute(), perm, file_caps, strip});
    if (strip) perm &= ~static_cast<unsigned>(S_ISUID | S_ISGID);
  }

  auto parent = open_parent(path);
  if (!parent.ok()) return fail_with(entry, parent.status());
  if (Status s = clear(parent->get(), path.name(), false, nullptr); !s.ok()) return fail_with(entry, s);
  Fd fd(openat(parent->get(), path.name().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return fail_errno(entry, "create");
  made_.insert(path.relative());
  if (Status s = detail::write_entry_data(stream_, fd.get(), size); !s.ok()) return fail_with(entry, s);
  // Owner before capabilities and mode: chown clears both.
  if (fchown(fd.get(), who->uid, who->gid) < 0) return fail_errno(entry, "set the owner");
  if (Status s = detail::set_entry_xattrs(fd.get(), e, !strip); !s.ok()) return fail_with(entry, s);
  if (fchmod(fd.get(), perm) < 0) return fail_errno(entry, "set the mode");
  const detail::Times t = detail::entry_times(e);
  if (futimens(fd.get(), t.ts) < 0) return fail_errno(entry, "set the times");
  return Status::success();
}

Status Applier::apply_directory(archive_entry* e, const std::string& entry, const EntryPath& path) {
  auto who = owner(e, entry);
  if (!who.ok()) return who.status();
  Fd dir;
  if (path.is_root()) {
    dir.reset(detail::open_in_tree(tree_fd_, "", O_RDONLY | O_DIRECTORY));
  } else {
    auto parent = open_parent(path);
    if (!parent.ok()) return fail_with(entry, parent.status());
    // An existing directory is kept: the layer's entries merge into it.
    // Directories are never shared between trees, so changing its owner
    // and mode changes no other image.
    bool exists = false;
    if (Status s = clear(parent->get(), path.name(), true, &exists); !s.ok()) return fail_with(entry, s);
    if (!exists && mkdirat(parent->get(), path.name().c_str(), 0700) < 0) return fail_errno(entry, "make");
    dir.reset(openat(parent->get(), path.name().c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    made_.insert(path.relative());
  }
  if (!dir.valid()) return fail_errno(entry, "open");
  if (fchown(dir.get(), who->uid, who->gid) < 0) return fail_errno(entry, "set the owner");
  if (Status s = detail::set_entry_xattrs(dir.get(), e, false); !s.ok()) return fail_with(entry, s);
  if (fchmod(dir.get(), static_cast<mode_t>(la::archive_entry_perm(e) & 07777)) < 0)
    return fail_errno(entry, "set the mode");
  directory_times_.emplace_back(path.relative(), detail::entry_times(e).ts[1]);
  return Status::success();
}

Status Applier::apply_symlink(archive_entry* e, const std::string& entry, const EntryPath& path) {
  const char* target = la::archive_entry_symlink(e);
  if (target == nullptr || *target == '\0') return fail(entry, "a symlink without a target", EBADMSG);
  auto who = owner(e, entry);
  if (!who.ok()) return who.status();
  auto parent = open_parent(path);
  if (!parent.ok()) return fail_with(entry, parent.status());
  const int dir = parent->get();
  const char* name = path.name().c_str();
  if (Status s = clear(dir, path.name(), false, nullptr); !s.ok()) return fail_with(entry, s);
  // The target is kept as the layer wrote it, absolute or not: it is
  // resolved inside the tree (RESOLVE_IN_ROOT here, the sandbox's root at
  // run time), never on the host.
  if (symlinkat(target, dir, name) < 0) return fail_errno(entry, "make the symlink");
  made_.insert(path.relative());
  if (fchownat(dir, name, who->uid, who->gid, AT_SYMLINK_NOFOLLOW) < 0) return fail_errno(entry, "set the owner");
  const detail::Times t = detail::entry_times(e);
  if (utimensat(dir, name, t.ts, AT_SYMLINK_NOFOLLOW) < 0) return fail_errno(entry, "set the times");
  return Status::success();
}

Status Applier::apply_hardlink(archive_entry* e, const std::string& entry, const EntryPath& path) {
  const std::string target_name = la::archive_entry_hardlink(e);
  auto target = detail::parse_entry_path(target_name);
  if (!target.ok()) return fail(entry, fmt::format("link target {}: {}", target_name, target.status().message), EBADMSG);
  if (target->is_root()) return fail(entry, "a hard link to the root", EBADMSG);
  // The target's directory is resolved in the tree, its last component is
  // not followed (linkat without AT_SYMLINK_FOLLOW): the link can only be
  // to a file inside the tree.
  Fd target_dir(detail::open_in_tree(tree_fd_, target->parent_relative(), O_PATH | O_DIRECTORY));
  if (!target_dir.valid()) return fail_errno(entry, fmt::format("link target {}", target_name));
  struct stat target_st {};
  if (fstatat(target_dir.get(), target->name().c_str(), &target_st, AT_SYMLINK_NOFOLLOW) < 0) {
    return fail_errno(entry, fmt::format("link target {}", target_name));
  }
  if (!S_ISREG(target_st.st_mode)) {
    return fail(entry, fmt::format("link target {} is not a regular file", target_name), EBADMSG);
  }
  auto parent = open_parent(path);
  if (!parent.ok()) return fail_with(entry, parent.status());
  struct stat st {};
  if (fstatat(parent->get(), path.name().c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == target_st.st_dev &&
      st.st_ino == target_st.st_ino) {
    made_.insert(path.relative());  // already that file: a link to itself
    return Status::success();
  }
  if (Status s = clear(parent->get(), path.name(), false, nullptr); !s.ok()) return fail_with(entry, s);
  // No owner, mode or times: they are the target's, and the target may be
  // shared with other trees.
  if (linkat(target_dir.get(), target->name().c_str(), parent->get(), path.name().c_str(), 0) < 0) {
    return fail_errno(entry, fmt::format("link to {}", target_name));
  }
  made_.insert(path.relative());
  return Status::success();
}

Status Applier::apply_special(archive_entry* e, const std::string& entry, const EntryPath& path) {
  std::string kind;
  switch (la::archive_entry_filetype(e)) {
    case AE_IFCHR:
      kind = fmt::format("char {}:{}", la::archive_entry_rdevmajor(e), la::archive_entry_rdevminor(e));
      break;
    case AE_IFBLK:
      kind = fmt::format("block {}:{}", la::archive_entry_rdevmajor(e), la::archive_entry_rdevminor(e));
      break;
    case AE_IFIFO:
      kind = "fifo";
      break;
    default:
      kind = "socket";
      break;
  }
  if (!policy_.record_special) {
    return fail(entry, fmt::format("a special file ({}): images may not carry device nodes, FIFOs or sockets", kind),
                EPERM);
  }
  report_.special_skipped.push_back(fmt::format("{} ({})", path.absolute(), kind));
  return Status::success();
}

void Applier::set_directory_times() {
  // Best effort: a directory a later entry replaced or whited out is gone.
  for (const auto& [relative, mtime] : directory_times_) {
    Fd dir(detail::open_in_tree(tree_fd_, relative, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    if (!dir.valid()) continue;
    const timespec ts[2] = {mtime, mtime};
    (void)futimens(dir.get(), ts);
  }
}

Status with_what(const std::string& what, const std::string& doing, const Status& s) {
  return Status::failure(fmt::format("{}: {}: {}", what, doing, s.message), s.err != 0 ? s.err : EBADMSG);
}

}  // namespace

Result<UnpackReport> apply_layer(int tree_fd, const ByteSource& source, const UnpackPolicy& policy,
                                 const std::string& what) {
  try {
    if (policy.suid != "report" && policy.suid != "strip") {
      return Status::failure(fmt::format("{}: unknown [suid] policy \"{}\" (report or strip)", what, policy.suid),
                             EINVAL);
    }
    detail::LayerStream stream(source);
    if (Status s = stream.open(); !s.ok()) return with_what(what, "reading the layer", s);
    Applier applier(tree_fd, policy, what, stream);
    std::string last = "the start";
    for (;;) {
      auto entry = stream.next();
      if (!entry.ok()) return with_what(what, fmt::format("reading the layer after {}", last), entry.status());
      if (*entry == nullptr) break;
      if (Status s = applier.apply(*entry); !s.ok()) return s;
      const char* name = la::archive_entry_pathname(*entry);
      last = name != nullptr ? name : "an entry without a name";
    }
    auto diff_id = stream.finish();
    if (!diff_id.ok()) return with_what(what, "reading the end of the layer", diff_id.status());
    applier.set_directory_times();
    applier.report().diff_id = std::move(diff_id.value());
    return std::move(applier.report());
  } catch (const std::exception& e) {
    return Status::failure(fmt::format("{}: {}", what, e.what()), ENOMEM);
  } catch (...) {
    return Status::failure(fmt::format("{}: unpacking failed", what), EIO);
  }
}

}  // namespace ringfence::image
