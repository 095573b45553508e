#include "ringfence/audit/log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include <fmt/core.h>

#include "ringfence/enforcer/fd.h"
#include "ringfence/policy/plan_json.h"

namespace ringfence::audit {
namespace {

using enforcer::Fd;
using enforcer::Status;

std::string now_rfc3339_nanos() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  gmtime_r(&ts.tv_sec, &t);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &t);
  return fmt::format("{}.{:09d}Z", buf, ts.tv_nsec);
}

// The last complete line of the file (without its newline), or "" for an
// empty file. A torn last line (no newline: a writer died mid-write) is not
// a record; the new record follows the last complete one.
std::string last_complete_line(int fd) {
  const off_t size = lseek(fd, 0, SEEK_END);
  if (size <= 0) return "";
  std::string tail;
  off_t pos = size;
  constexpr off_t kChunk = 4096;
  // Read backwards until two newlines (or the start) are in the buffer.
  while (pos > 0) {
    const off_t step = std::min(kChunk, pos);
    pos -= step;
    std::string chunk(static_cast<std::size_t>(step), '\0');
    if (pread(fd, chunk.data(), chunk.size(), pos) != step) return "";
    tail.insert(0, chunk);
    const auto last_nl = tail.rfind('\n');
    if (last_nl == std::string::npos) continue;
    const auto prev_nl = last_nl == 0 ? std::string::npos : tail.rfind('\n', last_nl - 1);
    if (prev_nl != std::string::npos) return tail.substr(prev_nl + 1, last_nl - prev_nl - 1);
    if (pos == 0) return tail.substr(0, last_nl);
  }
  return "";
}

// The log's directory and its parents, each made 0700 if missing.
Status ensure_dir(const std::string& path) {
  for (std::size_t i = 1; i < path.size(); ++i) {
    if (path[i] != '/') continue;
    const std::string dir = path.substr(0, i);
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Status::from_errno("create " + dir);
  }
  return {};
}

}  // namespace

std::string record_hash(std::string_view line) { return policy::sha256_hex(line); }

Status append_event(const std::string& path, nlohmann::json event) {
  if (Status st = ensure_dir(path); !st) return st;
  Fd fd(open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) return Status::from_errno("open the audit log " + path);
  if (flock(fd.get(), LOCK_EX) != 0) return Status::from_errno("lock the audit log");
  const std::string last = last_complete_line(fd.get());
  std::uint64_t seq = 1;
  std::string prev = kGenesis;
  if (!last.empty()) {
    prev = record_hash(last);
    auto j = nlohmann::json::parse(last, nullptr, false);
    if (!j.is_discarded() && j.contains("seq") && j["seq"].is_number_unsigned()) seq = j["seq"].get<std::uint64_t>() + 1;
  }
  // A torn line left by a writer that died is ended, so the new record
  // starts a line of its own; verify reports the torn one.
  struct stat st {};
  if (fstat(fd.get(), &st) == 0 && st.st_size > 0) {
    char end = '\n';
    if (pread(fd.get(), &end, 1, st.st_size - 1) == 1 && end != '\n' && write(fd.get(), "\n", 1) != 1)
      return Status::from_errno("write the audit log");
  }
  nlohmann::json record = {{"v", kSchemaVersion}, {"seq", seq}, {"time", now_rfc3339_nanos()}, {"prev", prev}};
  record.update(event);
  const std::string line = record.dump() + "\n";
  if (write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    return Status::from_errno("write the audit log");
  if (fsync(fd.get()) != 0) return Status::from_errno("fsync the audit log");
  return {};
}

}  // namespace ringfence::audit
