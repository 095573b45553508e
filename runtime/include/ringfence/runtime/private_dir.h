// Directories that hold one user's files — its sandboxes' state, their
// logs, its audit log — and the checks that keep another user from planting
// or reading what is in them: the directory is opened without following a
// symlink and judged on the open descriptor (owner and mode by fstat, so a
// rename between the check and the use changes nothing).
//
// A rootless user's state goes to $XDG_RUNTIME_DIR/ringfence when that is
// the caller's own directory that nobody else may write, else to
// /tmp/ringfence-UID, which must be the caller's and closed to everybody
// else: /tmp is shared, and whoever made that directory first could read
// the state or plant links in it (docs/runtime.md, "Where state lives").
#pragma once

#include <sys/types.h>

#include <string>

#include "ringfence/base/fd.h"
#include "ringfence/base/result.h"

namespace ringfence::runtime {

enum class OthersMay {
  Read,     // group and others may not write (may read and enter)
  Nothing,  // group and others may not even enter
};

// Opens the directory `leaf` in `parent` (a directory descriptor, or
// AT_FDCWD with a path) with O_DIRECTORY|O_NOFOLLOW and checks on the
// descriptor that the caller owns it and that `others` holds. `shown` is
// the path the messages name.
Result<Fd> open_checked_dir(int parent, const std::string& leaf, const std::string& shown, OthersMay others);

// The same for the directory at `path`, first made with `mode` when it is
// missing (its missing parents too, 0700, when `parents`). The checked
// directory's descriptor.
Result<Fd> ensure_checked_dir(const std::string& path, mode_t mode, OthersMay others, bool parents);

// /tmp/ringfence-UID: a rootless user's state, and its audit log when it has
// no XDG_STATE_HOME and no HOME. Checked with OthersMay::Nothing.
std::string fallback_dir();

// Where sandboxes' state is kept when --root does not say: /run/ringfence
// for root, else $XDG_RUNTIME_DIR/ringfence or the fallback. Made if
// missing and checked (a failure says what to do when a check fails).
Result<std::string> default_state_root();

}  // namespace ringfence::runtime
