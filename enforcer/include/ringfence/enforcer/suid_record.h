// The record `ringfence harden --in-place` writes, one JSON line per changed
// file, and the undo that reads it back:
//
//   {"path":"/usr/bin/passwd","old_mode":"04755","new_mode":"00755","uid":0,"gid":0,"dev":2049,"ino":1234,
//    "btime":"1700000000.123456789"}
//
// The undo puts a setuid bit back only on the very file it was taken from:
// same inode (and birth time, where the filesystem keeps one), same owner,
// and still exactly the mode the strip left.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "ringfence/enforcer/suid_harden.h"

namespace ringfence::enforcer {

struct SuidChange {
  std::string path;  // relative to the root
  mode_t old_mode = 0;
  mode_t new_mode = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  dev_t dev = 0;
  ino_t ino = 0;
  std::string btime;  // "SECONDS.NANOSECONDS", empty when the filesystem keeps none
  std::string mtime, ctime, sha256;  // right after the strip (SuidFile)
};

// One record line, newline included.
std::string record_line(const SuidFile& before, mode_t new_mode);

// Reads one line back. Anything a strip could not have written — a mode that
// differs from its stripped form by more than the setuid/setgid bits, a path
// that is not absolute — is refused with `error` set.
std::optional<SuidChange> parse_record_line(std::string_view line, std::string& error);

struct RestoreOutcome {
  enum Kind { restored, refused, failed } kind = failed;
  std::string message;  // why, for refused and failed
};

// Puts `change.old_mode` back on the file at `change.path` under root_fd,
// without following symlinks or leaving the root's mount. With dry_run it
// only checks.
RestoreOutcome restore_change(int root_fd, const SuidChange& change, bool dry_run);

}  // namespace ringfence::enforcer
