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
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringfence/base/fd.h"
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
  // The log's descriptor once a flush opened it (-1 before): what a forked
  // monitor must keep when it closes the rest.
  int fd() const { return fd_.get(); }

  // Appends every queued record. On failure the records stay queued.
  Status flush();

 private:
  Status open_log();
  // Reads the chain's end off the file when another writer moved it.
  Status resync(off_t size);
  Status write_all(const std::string& bytes);

  std::string path_;
  FsyncPolicy policy_;
  Fd fd_;
  std::vector<std::pair<std::string, std::string>> queue_;  // (time, fields)
  // Where this writer left the chain; trusted only while the file's size
  // is still end_.
  off_t end_ = -1;
  std::uint64_t next_seq_ = 1;
  std::string prev_;
};

}  // namespace ringfence::audit
