#include "ringfence/audit/log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/core.h>

#include "log_file.h"
#include "ringfence/audit/log_writer.h"
#include "ringfence/base/fd.h"
#include "ringfence/base/sha256.h"

namespace ringfence::audit {


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

Status ensure_log_dir(const std::string& path) {
  for (std::size_t i = 1; i < path.size(); ++i) {
    if (path[i] != '/') continue;
    const std::string dir = path.substr(0, i);
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Status::from_errno("create " + dir);
  }
  return {};
}

std::string record_hash(std::string_view line) { return sha256_hex(line); }

// One record, fsync'd before returning: lifecycle events are few, and a
// record that was reported must be on disk.
Status append_event(const std::string& path, nlohmann::json event) {
  LogWriter writer(path);
  writer.add(std::move(event));
  return writer.flush();
}

}  // namespace ringfence::audit
