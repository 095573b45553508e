// Whether the file a log writer finds under the log's name is still the log
// it has been writing (docs/audit.md, "When the log cannot be written").
// A supervisor keeps its log open for as long as its sandbox runs; if the
// log is deleted, replaced or cut meanwhile, appending on would put the
// sandbox's records in a file nobody will read, or start a fresh chain that
// verifies on its own and hides that the records before it are gone. The
// writer checks before each batch and refuses to write; its caller stops
// the sandbox.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "ringfence/base/status.h"

namespace ringfence::audit {

// Where a writer last left the chain: its last record's seq (0: the writer
// has not seen a record yet, and any file is the log) and hash, and the
// file's size then.
struct ChainEnd {
  std::uint64_t seq = 0;
  std::string hash;
};

// The log's name no longer names any file, though the writer had one.
Status log_removed(const std::string& path, const ChainEnd& known);

// The log's name now names another file than the one the writer held
// (`fd`, now that file). A rotation's new file is the log: it begins with
// a log.rotated record at or after the writer's last record, chained to it
// when it directly follows. Anything else replaced the log.
Status check_successor(int fd, const std::string& path, const ChainEnd& known);

// The same file, read again: it must not be shorter than the writer left
// it, nor end before the writer's last record (it was cut or rewritten).
Status check_not_cut(const std::string& path, const ChainEnd& known, off_t known_size, off_t size,
                     std::uint64_t last_seq);

}  // namespace ringfence::audit
