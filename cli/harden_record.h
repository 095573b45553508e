// Where `ringfence harden --in-place` keeps its record, and the undo that
// reads it: the parts of the harden verb that deal with the record file.
#pragma once

#include <string>

#include "ringfence/base/fd.h"
#include "ringfence/base/result.h"
#include "ringfence/base/status.h"

namespace ringfence::cli {

// The record for ROOTFS: `record` if given, else ROOTFS's sibling
// "<ROOTFS>.harden.jsonl". Either must lie outside ROOTFS (the tree being
// changed is not where the way back is kept); `usage_error` says the
// command line is at fault.
Status choose_record_path(const std::string& rootfs, const std::string& record, std::string& path,
                                    bool& usage_error);

// Creates the record; never overwrites one (it may be the only way back
// from an earlier run).
Result<Fd> create_record(const std::string& path);

// ringfence harden ROOTFS --undo RECORD [--dry-run]: exit code.
int undo_harden(const std::string& rootfs, const std::string& record, bool dry_run);

}  // namespace ringfence::cli
