#include "ringfence/audit/log_writer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include <fmt/core.h>

#include "log_file.h"
#include "ringfence/audit/log.h"

namespace ringfence::audit {


namespace {

std::string now_rfc3339_nanos() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  gmtime_r(&ts.tv_sec, &t);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &t);
  return fmt::format("{}.{:09d}Z", buf, ts.tv_nsec);
}

// Holds the log's exclusive lock for one batch.
class Lock {
 public:
  explicit Lock(int fd) : fd_(fd), held_(flock(fd, LOCK_EX) == 0) {}
  ~Lock() {
    if (held_) flock(fd_, LOCK_UN);
  }
  bool held() const { return held_; }

 private:
  int fd_;
  bool held_;
};

}  // namespace

void LogWriter::add(const nlohmann::json& event) {
  std::string text = event.dump();
  // An object's members: what is between its braces.
  add_fields(text.size() > 2 ? text.substr(1, text.size() - 2) : std::string{});
}

void LogWriter::add_fields(std::string fields) { queue_.emplace_back(now_rfc3339_nanos(), std::move(fields)); }

Status LogWriter::open_log() {
  if (fd_.valid()) return {};
  if (Status st = ensure_log_dir(path_); !st) return st;
  fd_.reset(open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd_.valid()) return Status::from_errno("open the audit log " + path_);
  return {};
}

Status LogWriter::resync(off_t size) {
  const std::string last = last_complete_line(fd_.get());
  next_seq_ = 1;
  prev_ = kGenesis;
  if (!last.empty()) {
    prev_ = record_hash(last);
    auto j = nlohmann::json::parse(last, nullptr, false);
    if (!j.is_discarded() && j.contains("seq") && j["seq"].is_number_unsigned())
      next_seq_ = j["seq"].get<std::uint64_t>() + 1;
  }
  // A torn line left by a writer that died is ended, so that the next
  // record starts a line of its own; verify reports the torn one.
  if (size > 0) {
    char end = '\n';
    if (pread(fd_.get(), &end, 1, size - 1) == 1 && end != '\n' && write(fd_.get(), "\n", 1) != 1)
      return Status::from_errno("write the audit log");
  }
  return {};
}

Status LogWriter::write_all(const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write(fd_.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::from_errno("write the audit log");
    done += static_cast<std::size_t>(n);
  }
  return {};
}

Status LogWriter::flush() {
  if (queue_.empty()) return {};
  if (Status st = open_log(); !st) return st;
  Lock lock(fd_.get());
  if (!lock.held()) return Status::from_errno("lock the audit log");
  struct stat st {};
  if (fstat(fd_.get(), &st) != 0) return Status::from_errno("stat the audit log");
  if (st.st_size != end_)
    if (Status s = resync(st.st_size); !s) return s;

  std::string batch;
  std::uint64_t seq = next_seq_;
  std::string prev = prev_;
  for (const auto& [time, fields] : queue_) {
    std::string line = fmt::format(R"({{"v":{},"seq":{},"time":"{}","prev":"{}"{}{}}})", kSchemaVersion, seq, time,
                                   prev, fields.empty() ? "" : ",", fields);
    prev = record_hash(line);
    ++seq;
    line += '\n';
    if (policy_ == FsyncPolicy::Record) {
      if (Status s = write_all(line); !s) return s;
      if (fsync(fd_.get()) != 0) return Status::from_errno("fsync the audit log");
    } else {
      batch += line;
    }
  }
  if (Status s = write_all(batch); !s) return s;
  if (policy_ == FsyncPolicy::Batch && fsync(fd_.get()) != 0) return Status::from_errno("fsync the audit log");
  next_seq_ = seq;
  prev_ = std::move(prev);
  end_ = lseek(fd_.get(), 0, SEEK_END);
  queue_.clear();
  return {};
}

}  // namespace ringfence::audit
