// The audit log's writer for many records: the supervisor queues one record
// per violation and appends them in batches — one write(2) and one fsync per
// batch — so that recording keeps up with a program making tens of
// thousands of denied calls a second. The chain is the same as one record
// at a time (append_event): every batch is appended under the log's lock
// and chained to whatever record is last in the file, so several
// supervisors can share one log. See docs/audit.md, "the fsync policy".
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringfence/audit/log_rotation.h"
#include "ringfence/audit/seal.h"
#include "ringfence/base/fd.h"
#include "ringfence/base/result.h"
#include "ringfence/base/status.h"

namespace ringfence::audit {

enum class FsyncPolicy {
  Batch,   // one fsync after each batch (the default)
  Record,  // each record written and fsync'd on its own
};

class LogWriter {
 public:
  explicit LogWriter(std::string path, FsyncPolicy policy = FsyncPolicy::Batch)
      : path_(std::move(path)), policy_(policy) {}

  // Queues a record; its time is now, not when it is flushed. The event's
  // fields follow the chain's own (v, seq, time, prev) in the line.
  void add(const nlohmann::json& event);
  // The same for fields already serialised: the members of a JSON object
  // without its braces ("\"event\":\"x\",\"pid\":1"). The supervisor's
  // path for a burst of violations, where building a JSON tree per record
  // would cost more than answering the call.
  void add_fields(std::string fields);
  std::size_t pending() const { return queue_.size(); }
  const std::string& path() const { return path_; }
  FsyncPolicy fsync_policy() const { return policy_; }
  // The log's descriptor once a flush opened it (-1 before): what a forked
  // monitor must keep when it closes the rest.
  int fd() const { return fd_.get(); }

  // Appends every queued record, then a seal when one is due: the log is
  // sealed, and a sandbox's end (a stop, an OCI delete) was queued, a seal
  // was asked for, or the last seal is kSealIntervalSeconds old (seal.h).
  // First rotates the file when the rotation policy says it is due. On
  // failure the records stay queued.
  Status flush();

  // The next flush ends with a seal (when the log is sealed), even with
  // nothing else to write: `ringfence audit seal`, and a timer's.
  void request_seal() { seal_due_ = true; }
  void set_rotation(const RotationPolicy& policy) { rotation_ = policy; }
  // Rotates the log (when it has any record), under its lock: now, or
  // only when the rotation policy says it is due.
  Status rotate(bool only_when_due = false);

 private:
  Status open_log();
  // Opens the file the log's name points at and takes its lock; a file
  // that another writer rotated away while this one waited is let go.
  Status lock_current();
  // With the lock held: the chain's end as the file has it.
  Status sync_end();
  // With the lock held: replaces the current file with a new one that
  // starts with a `log.rotated` record (log_rotation.h).
  Status rotate_locked(const std::string& reason);
  bool rotation_due();
  // The seal record for the chain's end (seq, prev), or "" when the log
  // is not sealed; `state` gets the sealing state to move on after it is
  // written.
  Result<std::string> seal_line(std::uint64_t seq, const std::string& prev, std::optional<SealingState>& state);
  // Reads the chain's end off the file when another writer moved it.
  Status resync(off_t size);

  std::string path_;
  FsyncPolicy policy_;
  Fd fd_;
  std::vector<std::pair<std::string, std::string>> queue_;  // (time, fields)
  // Where this writer left the chain; trusted only while the file's size
  // is still end_.
  off_t end_ = -1;
  std::uint64_t next_seq_ = 1;
  std::string prev_;
  bool seal_due_ = false;
  bool last_is_seal_ = false;  // the chain's end is a seal (known while end_ holds)
  RotationPolicy rotation_;
  std::int64_t first_time_ = -1;  // the current file's first record's time, once read
  // The chain's end as this writer last wrote or read it, and the file's
  // size then: what the file under the log's name must continue.
  std::uint64_t known_seq_ = 0;
  std::string known_hash_;
  off_t known_size_ = -1;
  void remember_end();
};

}  // namespace ringfence::audit
