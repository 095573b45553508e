#include "ringfence/audit/log_writer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include <fmt/core.h>

#include "log_continuity.h"
#include "log_file.h"
#include "ringfence/base/fault.h"
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

// Releases the lock on whatever file the writer holds when the batch ends
// (rotation changes which one that is).
class Unlock {
 public:
  explicit Unlock(const Fd& fd) : fd_(fd) {}
  ~Unlock() {
    if (fd_.valid()) flock(fd_.get(), LOCK_UN);
  }

 private:
  const Fd& fd_;
};

std::string chain_line(std::uint64_t seq, const std::string& time, const std::string& prev,
                       const std::string& fields) {
  return fmt::format(R"({{"v":{},"seq":{},"time":"{}","prev":"{}"{}{}}})", kSchemaVersion, seq, time, prev,
                     fields.empty() ? "" : ",", fields);
}

// An OCI container without a monitor has no stop record; its delete ends it.
bool ends_a_sandbox(const nlohmann::json& event) {
  const auto it = event.find("event");
  return it != event.end() && it->is_string() &&
         (*it == "sandbox.stop" || *it == "exec.stop" || *it == "container.delete");
}

Status write_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n =
        fault::call("audit-log.write", [&] { return write(fd, bytes.data() + done, bytes.size() - done); });
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::from_errno("write the audit log");
    done += static_cast<std::size_t>(n);
  }
  return {};
}

std::string first_line(int fd) {
  std::string head;
  char buf[1024];
  for (off_t pos = 0;;) {
    const ssize_t n = pread(fd, buf, sizeof buf, pos);
    if (n <= 0) return "";
    head.append(buf, static_cast<std::size_t>(n));
    pos += n;
    if (const auto nl = head.find('\n'); nl != std::string::npos) return head.substr(0, nl);
    if (head.size() > (1u << 20)) return "";
  }
}

}  // namespace

void LogWriter::add(const nlohmann::json& event) {
  if (ends_a_sandbox(event)) seal_due_ = true;
  std::string text = event.dump();
  // An object's members: what is between its braces.
  add_fields(text.size() > 2 ? text.substr(1, text.size() - 2) : std::string{});
}

void LogWriter::add_fields(std::string fields) { queue_.emplace_back(now_rfc3339_nanos(), std::move(fields)); }

Status LogWriter::open_log() {
  if (fd_.valid()) return {};
  if (Status st = ensure_log_dir(path_); !st) return st;
  fd_.reset(fault::call("audit-log.open",
                        [&] { return open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600); }));
  if (!fd_.valid()) return Status::from_errno("open the audit log " + path_);
  // Every sandbox's commands are in it: nobody but its owner reads it,
  // whatever a chmod did since.
  struct stat st {};
  if (fstat(fd_.get(), &st) == 0 && (st.st_mode & 077) != 0 && st.st_uid == geteuid()) fchmod(fd_.get(), 0600);
  end_ = -1;
  first_time_ = -1;
  return {};
}

Status LogWriter::lock_current() {
  const ChainEnd known{known_seq_, known_hash_};
  bool switched = false;
  for (int attempt = 0; attempt < 64; ++attempt) {
    // A writer that has records in the log never makes a new one in its
    // place: the records before would be gone unseen.
    struct stat named {};
    if (known.seq > 0 && lstat(path_.c_str(), &named) != 0 && errno == ENOENT) {
      fd_.reset();
      return log_removed(path_, known);
    }
    if (Status st = open_log(); !st) return st;
    if (flock(fd_.get(), LOCK_EX) != 0) return Status::from_errno("lock the audit log");
    struct stat held {};
    if (fstat(fd_.get(), &held) != 0) return Status::from_errno("stat the audit log");
    if (lstat(path_.c_str(), &named) == 0 && named.st_ino == held.st_ino && named.st_dev == held.st_dev) {
      if (!switched) return {};
      // Another file took the name: a rotation's, or not the log at all.
      if (Status st = check_successor(fd_.get(), path_, known); !st) {
        fd_.reset();
        return st;
      }
      return {};
    }
    fd_.reset();  // rotated away while this writer waited: closing lets its lock go
    switched = true;
  }
  return Status::failure("the audit log " + path_ + " was replaced 64 times while waiting for its lock");
}

Status LogWriter::sync_end() {
  struct stat st {};
  if (fstat(fd_.get(), &st) != 0) return Status::from_errno("stat the audit log");
  if (st.st_size == end_) return {};
  const off_t known_size = end_ >= 0 ? known_size_ : -1;  // a file reopened since is another size
  const std::string last = last_complete_line(fd_.get());
  next_seq_ = 1;
  prev_ = kGenesis;
  last_is_seal_ = false;
  if (!last.empty()) {
    prev_ = record_hash(last);
    auto j = nlohmann::json::parse(last, nullptr, false);
    if (!j.is_discarded() && j.contains("seq") && j["seq"].is_number_unsigned())
      next_seq_ = j["seq"].get<std::uint64_t>() + 1;
    last_is_seal_ = !j.is_discarded() && string_member(j, "event") == "log.seal";
  }
  if (Status cut = check_not_cut(path_, {known_seq_, known_hash_}, known_size, st.st_size, next_seq_ - 1); !cut)
    return cut;
  // A torn line left by a writer that died is ended, so that the next
  // record starts a line of its own; verify reports the torn one.
  if (st.st_size > 0) {
    char end = '\n';
    if (pread(fd_.get(), &end, 1, st.st_size - 1) == 1 && end != '\n' && write(fd_.get(), "\n", 1) != 1)
      return Status::from_errno("write the audit log");
  }
  end_ = lseek(fd_.get(), 0, SEEK_END);
  remember_end();
  return {};
}

void LogWriter::remember_end() {
  known_seq_ = next_seq_ - 1;
  known_hash_ = prev_;
  known_size_ = end_;
}

bool LogWriter::rotation_due() {
  if (end_ <= 0) return false;
  if (static_cast<std::uint64_t>(end_) >= rotation_.max_bytes) return true;
  if (first_time_ < 0) {
    const auto j = nlohmann::json::parse(first_line(fd_.get()), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return false;
    first_time_ = record_time_seconds(string_member(j, "time"));
  }
  return first_time_ >= 0 && time(nullptr) - first_time_ >= rotation_.max_age_seconds;
}

Status LogWriter::rotate_locked(const std::string& reason) {
  // Named by its first record's seq; a first line that is not a record (a
  // writer killed in the log's very first write) must not stop the log, so
  // then by its last record's, which sorts among the others just as well.
  const auto first = nlohmann::json::parse(first_line(fd_.get()), nullptr, false);
  const bool named_first =
      !first.is_discarded() && first.is_object() && first.contains("seq") && first["seq"].is_number_unsigned();
  const std::string rotated =
      fmt::format("{}.{}", path_, named_first ? first["seq"].get<std::uint64_t>() : next_seq_ - 1);
  const std::string fresh = path_ + ".rotating";

  // The new file is written and locked before it takes the log's name, so
  // that no writer ever finds the name missing or the new file unchained.
  unlink(fresh.c_str());  // a crash's leftover, never named as the log
  Fd next(open(fresh.c_str(), O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!next.valid()) return Status::from_errno("create " + fresh);
  if (flock(next.get(), LOCK_EX) != 0) return Status::from_errno("lock " + fresh);
  const auto slash = rotated.rfind('/');
  const std::string rotated_name = slash == std::string::npos ? rotated : rotated.substr(slash + 1);
  std::string fields = nlohmann::json{{"event", "log.rotated"}, {"previous", rotated_name}, {"reason", reason}}.dump();
  fields = fields.substr(1, fields.size() - 2);
  const std::string record = chain_line(next_seq_, now_rfc3339_nanos(), prev_, fields);
  if (Status st = write_all(next.get(), record + "\n"); !st) return st;
  if (fsync(next.get()) != 0) return Status::from_errno("fsync " + fresh);

  if (link(path_.c_str(), rotated.c_str()) != 0) {
    // A rotation that crashed after its link left the same file under
    // both names; anything else under that name is not ours to replace.
    struct stat old {}, there {};
    if (errno != EEXIST || fstat(fd_.get(), &old) != 0 || lstat(rotated.c_str(), &there) != 0 ||
        old.st_ino != there.st_ino || old.st_dev != there.st_dev)
      return Status::from_errno("keep the rotated log as " + rotated);
  }
  if (rename(fresh.c_str(), path_.c_str()) != 0) return Status::from_errno("put the new log in place of " + path_);
  const auto dir_end = path_.rfind('/');
  Fd dir(open(dir_end == std::string::npos ? "." : (dir_end == 0 ? "/" : path_.substr(0, dir_end).c_str()),
              O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.valid()) fsync(dir.get());

  prev_ = record_hash(record);
  ++next_seq_;
  last_is_seal_ = false;
  fd_ = std::move(next);  // closing the old file lets its waiting writers go; they find the new one
  end_ = lseek(fd_.get(), 0, SEEK_END);
  first_time_ = -1;
  remember_end();
  return {};
}

Result<std::string> LogWriter::seal_line(std::uint64_t seq, const std::string& prev,
                                         std::optional<SealingState>& state) {
  auto loaded = load_sealing_state(path_);
  if (!loaded) return loaded.status();
  state = *loaded;
  if (!state) return std::string();
  // A seal right after a seal commits to nothing new (every supervisor's
  // timer asks; the first one seals).
  const bool nothing_new = queue_.empty() && last_is_seal_;
  if (nothing_new || (!seal_due_ && time(nullptr) - state->sealed_at < kSealIntervalSeconds)) {
    state.reset();
    return std::string();
  }
  const std::string time = now_rfc3339_nanos();
  const std::string mac = seal_mac(state->key, state->log_id, state->epoch, seq, time, prev);
  return chain_line(seq, time, prev,
                    fmt::format(R"("event":"log.seal","log_id":"{}","epoch":{},"seal":"{}")", state->log_id,
                                state->epoch, mac));
}

Status LogWriter::flush() {
  if (queue_.empty() && !seal_due_) return {};
  if (Status st = lock_current(); !st) return st;
  Unlock unlock(fd_);
  if (Status st = sync_end(); !st) return st;
  if (rotation_due())
    if (Status st = rotate_locked(static_cast<std::uint64_t>(end_) >= rotation_.max_bytes ? "size" : "age"); !st)
      return st;

  // Every line, the seal included, is made before anything is written: a
  // seal that cannot be made (a damaged key) leaves the batch queued whole.
  std::vector<std::string> lines;
  lines.reserve(queue_.size() + 1);
  std::uint64_t seq = next_seq_;
  std::string prev = prev_;
  auto chain = [&](std::string line) {
    prev = record_hash(line);
    ++seq;
    lines.push_back(std::move(line) + '\n');
  };
  for (const auto& [time, fields] : queue_) chain(chain_line(seq, time, prev, fields));
  std::optional<SealingState> sealing;
  auto seal = seal_line(seq, prev, sealing);
  if (!seal) return seal.status();
  if (!seal->empty()) chain(std::move(*seal));
  // A write or fsync that fails (a full disk, EIO) leaves the records it
  // did not commit queued, and takes their bytes back out of the file: a
  // retry then writes each record once, and no torn line is left behind
  // (when the disk still lets the file be cut).
  std::size_t committed = 0;  // lines on disk, in order
  auto give_back = [&](Status why) {
    for (std::size_t i = 0; i < committed && !queue_.empty(); ++i) {
      prev_ = record_hash(std::string_view(lines[i]).substr(0, lines[i].size() - 1));
      ++next_seq_;
      queue_.erase(queue_.begin());
      end_ += static_cast<off_t>(lines[i].size());
    }
    (void)ftruncate(fd_.get(), end_);
    if (committed > 0) remember_end();
    return why;
  };
  auto sync_file = [&] { return fault::call("audit-log.fsync", [&] { return fsync(fd_.get()); }) == 0; };
  if (policy_ == FsyncPolicy::Batch) {
    std::string batch;
    for (const auto& line : lines) batch += line;
    if (Status s = write_all(fd_.get(), batch); !s) return give_back(s);
    if (!sync_file()) return give_back(Status::from_errno("fsync the audit log"));
  } else {
    // Each record is committed on its own: those already fsynced stay.
    for (const auto& line : lines) {
      if (Status s = write_all(fd_.get(), line); !s) return give_back(s);
      if (!sync_file()) return give_back(Status::from_errno("fsync the audit log"));
      ++committed;
    }
  }
  next_seq_ = seq;
  prev_ = std::move(prev);
  // Where this writer's bytes end, counted rather than asked of the file: a
  // file cut between the write and now must not look like the end (the
  // next batch finds it shorter, and refuses).
  for (const auto& line : lines) end_ += static_cast<off_t>(line.size());
  remember_end();
  if (!queue_.empty() || sealing) last_is_seal_ = sealing.has_value();
  queue_.clear();
  seal_due_ = false;
  if (sealing) {
    // Only now is the key that made this seal forgotten; a crash before
    // this line leaves it to make one more seal of the same epoch, which
    // verify accepts (it cannot re-seal anything older).
    SealingState next = *sealing;
    next.key = evolve(sealing->key);
    ++next.epoch;
    next.sealed_at = time(nullptr);
    if (Status s = store_sealing_state(path_, next); !s)
      return Status::failure("the log was sealed, but the sealing key could not be moved on: " + s.message, s.err);
  }
  return {};
}

Status LogWriter::rotate(bool only_when_due) {
  if (Status st = lock_current(); !st) return st;
  Unlock unlock(fd_);
  if (Status st = sync_end(); !st) return st;
  if (end_ <= 0) return {};
  if (!only_when_due) return rotate_locked("asked");
  if (!rotation_due()) return {};
  return rotate_locked(static_cast<std::uint64_t>(end_) >= rotation_.max_bytes ? "size" : "age");
}

}  // namespace ringfence::audit
