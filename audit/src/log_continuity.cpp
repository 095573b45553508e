#include "log_continuity.h"

#include <unistd.h>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "log_file.h"

namespace ringfence::audit {
namespace {

// The file's first line (up to 1 MiB), or "".
std::string opening_line(int fd) {
  std::string head;
  char buf[1024];
  for (off_t pos = 0; head.size() <= (1u << 20);) {
    const ssize_t n = pread(fd, buf, sizeof buf, pos);
    if (n <= 0) return "";
    head.append(buf, static_cast<std::size_t>(n));
    pos += n;
    if (const auto nl = head.find('\n'); nl != std::string::npos) return head.substr(0, nl);
  }
  return "";
}

}  // namespace

Status log_removed(const std::string& path, const ChainEnd& known) {
  return Status::failure(fmt::format("the audit log {} was removed while this writer had records in it (up to "
                                     "record {}); no new log is started in its place, which would hide the loss",
                                     path, known.seq),
                         ENOENT);
}

Status check_successor(int fd, const std::string& path, const ChainEnd& known) {
  if (known.seq == 0) return {};
  const auto first = nlohmann::json::parse(opening_line(fd), nullptr, false);
  const bool rotated = !first.is_discarded() && string_member(first, "event") == "log.rotated";
  const std::uint64_t seq = unsigned_member(first, "seq", 0);
  if (rotated && seq > known.seq && (seq != known.seq + 1 || string_member(first, "prev") == known.hash)) return {};
  return Status::failure(fmt::format("the audit log {} was replaced while this writer had records in it (up to "
                                     "record {}): the file now under its name does not continue that chain",
                                     path, known.seq),
                         ESTALE);
}

Status check_not_cut(const std::string& path, const ChainEnd& known, off_t known_size, off_t size,
                     std::uint64_t last_seq) {
  if (known.seq == 0) return {};
  if (known_size >= 0 && size < known_size)
    return Status::failure(fmt::format("the audit log {} was cut while this writer had records in it: it is {} "
                                       "bytes, and this writer had written up to byte {} (record {})",
                                       path, size, known_size, known.seq),
                           ESTALE);
  if (last_seq < known.seq)
    return Status::failure(fmt::format("the audit log {} was rewritten while this writer had records in it: it "
                                       "ends at record {}, and this writer had written record {}",
                                       path, last_seq, known.seq),
                           ESTALE);
  return {};
}

}  // namespace ringfence::audit
