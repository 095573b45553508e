#include "harden_record.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include <fmt/core.h>

#include "ringfence/base/exit_codes.h"
#include "ringfence/enforcer/suid_record.h"

namespace ringfence::cli {
namespace {

std::string real_path(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) ? std::string(buf) : std::string();
}

bool inside(const std::string& path, const std::string& dir) {
  return path == dir || dir == "/" || path.starts_with(dir + "/");
}

}  // namespace

Status choose_record_path(const std::string& rootfs, const std::string& record, std::string& path,
                                    bool& usage_error) {
  usage_error = false;
  const std::string root = real_path(rootfs);
  if (root.empty()) return Status::from_errno("resolve " + rootfs);
  if (record.empty()) {
    if (root == "/") {
      usage_error = true;
      return Status::failure("the root filesystem '/' has no sibling to keep the record in: pass --record FILE");
    }
    const std::filesystem::path r(root);
    path = (r.parent_path() / (r.filename().string() + ".harden.jsonl")).string();
    return {};
  }
  path = record;
  const std::filesystem::path p = std::filesystem::absolute(record);
  const std::string dir = real_path(p.parent_path().string());
  if (dir.empty()) return Status::from_errno("resolve the directory of --record " + record);
  if (inside(dir, root)) {
    usage_error = true;
    return Status::failure(
        fmt::format("--record {} is inside {}: keep the record outside the tree it undoes", record, rootfs));
  }
  return {};
}

Result<Fd> create_record(const std::string& path) {
  Fd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.valid()) return fd;
  if (errno == EEXIST)
    return Status::failure(fmt::format(
        "the record {} already exists (from an earlier run?): undo it or move it away first, or pass --record", path),
        EEXIST);
  return Status::from_errno("create the record " + path);
}

int undo_harden(const std::string& rootfs, const std::string& record, bool dry_run) {
  std::error_code ec;
  std::ifstream in(record);
  if (!std::filesystem::is_regular_file(record, ec) || !in) {
    fmt::print(stderr, "ringfence: harden: cannot read the record {}\n", record);
    return kExitRuntimeError;
  }
  // Read and check every line before touching anything: a damaged record
  // is refused whole rather than undone halfway.
  std::vector<enforcer::SuidChange> changes;
  std::string line, error;
  bool bad = false;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    if (auto c = enforcer::parse_record_line(line, error)) {
      changes.push_back(std::move(*c));
    } else {
      fmt::print(stderr, "ringfence: harden: {}:{}: {}\n", record, number, error);
      bad = true;
    }
  }
  if (bad) {
    fmt::print(stderr, "ringfence: harden: the record is damaged; nothing was changed\n");
    return kExitRuntimeError;
  }
  Fd root(open(rootfs.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) {
    fmt::print(stderr, "ringfence: harden: {}\n", Status::from_errno("open " + rootfs).message);
    return kExitRuntimeError;
  }
  int status = kExitOk;
  std::size_t restored = 0;
  // Latest change first, the reverse of how they were made.
  for (auto it = changes.rbegin(); it != changes.rend(); ++it) {
    const auto outcome = enforcer::restore_change(root.get(), *it, dry_run);
    switch (outcome.kind) {
      case enforcer::RestoreOutcome::restored:
        ++restored;
        fmt::print("{} {:05o} -> {:05o} {}\n", dry_run ? "would restore" : "restored", it->new_mode, it->old_mode,
                   it->path);
        break;
      case enforcer::RestoreOutcome::refused:
        fmt::print(stderr, "ringfence: harden: refused to restore {}: {}\n", it->path, outcome.message);
        if (status == kExitOk) status = kExitInvalid;
        break;
      case enforcer::RestoreOutcome::failed:
        fmt::print(stderr, "ringfence: harden: cannot restore {}: {}\n", it->path, outcome.message);
        status = kExitRuntimeError;
        break;
    }
  }
  fmt::print(stderr, "ringfence: harden: {} {} of {} recorded change(s)\n", dry_run ? "would restore" : "restored",
             restored, changes.size());
  return status;
}

}  // namespace ringfence::cli
