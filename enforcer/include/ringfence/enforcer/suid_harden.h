// Finding setuid and setgid files in a root filesystem, and removing the
// bits: `ringfence harden` and the runtime's suid.scan step share this walk.
//
// The walk never follows a symlink and never leaves the root's mount: every
// directory is opened from the root with openat2 (RESOLVE_NO_SYMLINKS,
// RESOLVE_NO_XDEV, RESOLVE_BENEATH), so a directory swapped for a symlink or
// a mount point inside the tree is not entered. A file is changed through an
// O_PATH descriptor opened the same way, after fstat confirms it is still the
// regular file, with the bits, that the walk saw.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ringfence/base/status.h"

namespace ringfence::enforcer {

// A setuid/setgid regular file, as found.
struct SuidFile {
  std::string path;  // relative to the root, "/usr/bin/passwd"
  mode_t mode = 0;   // permission bits, 07777
  uid_t uid = 0;
  gid_t gid = 0;
  dev_t dev = 0;
  ino_t ino = 0;
  // Birth time, where the filesystem keeps one: inode numbers are reused
  // at once (ext4 hands a deleted file's number to the next new one), so
  // dev and ino alone do not tell a replaced file from the original.
  bool has_btime = false;
  std::int64_t btime_sec = 0;
  std::uint32_t btime_nsec = 0;
  // Taken right after the strip, for the undo to compare: a write to the
  // file changes its content and ctime, a touch its mtime, and any change of
  // the inode (a link, a chown and back) its ctime. Empty when not stripped.
  std::string mtime, ctime;  // "SECONDS.NANOSECONDS"
  std::string sha256;        // of the content
};

enum class SuidOutcome {
  found,       // reported (or, with dry_run, would be stripped)
  kept,        // its inode is one the keep list names
  stripped,    // the bits were removed
  same_inode,  // a hard link of a file listed under another path
  failed,      // could not be changed; see HardenReport::problems
};

struct SuidFinding {
  SuidFile file;
  SuidOutcome outcome = SuidOutcome::found;
};

struct HardenOptions {
  bool strip = false;             // false: find and report only
  std::vector<std::string> keep;  // paths relative to the root; symlinks on the way are not followed
  unsigned threads = 0;           // 0: std::thread::hardware_concurrency()
  // A keep entry that names nothing is then an error before anything is
  // walked or changed (a typo must not strip the file meant to be kept);
  // otherwise it is only listed in HardenReport::unmatched_keep.
  bool keep_must_exist = false;
  // Called once, just before the first change (to create the record only
  // when there is something to record). A failure means nothing is changed.
  std::function<Status()> before_first_strip;
  // Called after each change, one call at a time, so the caller can record
  // it. A failure stops every further change (no change goes unrecorded
  // for long); the walk still finishes and reports.
  std::function<Status(const SuidFile& before, mode_t new_mode)> on_strip;
  // Called about ten times a second while the walk runs, from a thread of
  // its own, with the directory entries read so far.
  std::function<void(std::uint64_t entries)> progress;
};

struct HardenReport {
  std::vector<SuidFinding> files;           // sorted by path
  std::vector<std::string> problems;        // what could not be read or changed, one sentence each
  std::vector<std::string> mount_points;    // not descended, relative to the root
  std::vector<std::string> unmatched_keep;  // keep entries that name no file, with the reason
};

// Walks `root` with a small pool of threads. Fails only when the root
// itself cannot be opened, or (keep_must_exist) a keep entry names nothing,
// and then changes nothing; everything else is in `report`.
Status harden_tree(const std::string& root, const HardenOptions& options, HardenReport& report);

// Removing the setuid and setgid bits: what the strip sets and the undo expects.
inline mode_t stripped_mode(mode_t mode) { return mode & 07777 & ~static_cast<mode_t>(06000); }

}  // namespace ringfence::enforcer
