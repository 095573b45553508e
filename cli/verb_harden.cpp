// ringfence harden ROOTFS — find setuid/setgid files in a root filesystem
// and, with --in-place, strip the bits, keeping a record to undo it.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <memory>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "ringfence/base/exit_codes.h"
#include "ringfence/base/text_file.h"
#include "harden_record.h"
#include "progress_line.h"
#include "ringfence/enforcer/suid_harden.h"
#include "ringfence/enforcer/suid_record.h"
#include "verbs.h"

namespace ringfence::cli {
namespace {

struct HardenArgs {
  std::string rootfs;
  bool in_place = false;
  bool dry_run = false;
  std::vector<std::string> keep;
  std::string undo;
  std::string record;
  bool quiet = false;
  std::string format = "text";
};

const char* outcome_name(enforcer::SuidOutcome o) {
  switch (o) {
    case enforcer::SuidOutcome::found: return "found";
    case enforcer::SuidOutcome::kept: return "kept";
    case enforcer::SuidOutcome::stripped: return "stripped";
    case enforcer::SuidOutcome::same_inode: return "same-inode";
    case enforcer::SuidOutcome::failed: return "failed";
  }
  return "found";
}

// --format json: the whole report as one object, for scripts (nothing is
// printed per file).
void print_json(const enforcer::HardenReport& report, const std::string& record) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : report.files)
    files.push_back({{"path", f.file.path},
                     {"mode", fmt::format("{:04o}", f.file.mode & 07777)},
                     {"uid", f.file.uid},
                     {"gid", f.file.gid},
                     {"outcome", outcome_name(f.outcome)}});
  nlohmann::json j{{"files", files},
                   {"problems", report.problems},
                   {"mount_points", report.mount_points},
                   {"unmatched_keep", report.unmatched_keep}};
  if (!record.empty()) j["record"] = record;
  fmt::print("{}\n", j.dump(2));
}

void print_finding(const enforcer::SuidFinding& f, bool changing) {
  const auto& file = f.file;
  const mode_t to = enforcer::stripped_mode(file.mode);
  switch (f.outcome) {
    case enforcer::SuidOutcome::kept:
      if (changing)
        fmt::print("kept {:05o} {}:{} {}\n", file.mode, file.uid, file.gid, file.path);
      else
        fmt::print("{:05o} {}:{} {} (kept)\n", file.mode, file.uid, file.gid, file.path);
      break;
    case enforcer::SuidOutcome::stripped:
      fmt::print("stripped {:05o} -> {:05o} {}:{} {}\n", file.mode, to, file.uid, file.gid, file.path);
      break;
    case enforcer::SuidOutcome::failed:
      fmt::print("failed {:05o} {}:{} {}\n", file.mode, file.uid, file.gid, file.path);
      break;
    case enforcer::SuidOutcome::found:
    case enforcer::SuidOutcome::same_inode:
      if (changing)
        fmt::print("would strip {:05o} -> {:05o} {}:{} {}\n", file.mode, to, file.uid, file.gid, file.path);
      else
        fmt::print("{:05o} {}:{} {}\n", file.mode, file.uid, file.gid, file.path);
      break;
  }
}

int harden(const HardenArgs& a) {
  const bool strip = a.in_place && !a.dry_run;
  Fd record;
  std::string record_path;
  if (strip) {
    bool usage_error = false;
    Status st = choose_record_path(a.rootfs, a.record, record_path, usage_error);
    if (!st) {
      fmt::print(stderr, "ringfence: harden: {}\n", st.message);
      return usage_error ? kExitUsage : kExitRuntimeError;
    }
  }

  enforcer::HardenOptions options;
  options.strip = strip;
  options.keep = a.keep;
  options.keep_must_exist = a.in_place;
  std::size_t recorded = 0;
  options.before_first_strip = [&]() -> Status {
    auto created = create_record(record_path);
    if (!created) return created.status();
    record = std::move(*created);
    return {};
  };
  options.on_strip = [&](const enforcer::SuidFile& before, mode_t to) {
    Status st = write_all(record.get(), enforcer::record_line(before, to));
    if (st) ++recorded;
    return st;
  };
  const bool json = a.format == "json";
  ProgressLine line(a.quiet || json);
  const auto began = std::chrono::steady_clock::now();
  if (line.on())
    options.progress = [&](std::uint64_t entries) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
      line.draw(fmt::format("{}: {} entries walked, {:.0f}/s{}", a.rootfs, entries,
                            seconds > 0 ? static_cast<double>(entries) / seconds : 0.0,
                            strip ? ", stripping" : ""));
    };
  enforcer::HardenReport report;
  const Status st = enforcer::harden_tree(a.rootfs, options, report);
  line.done();
  struct stat written {};
  if (record.valid() && recorded == 0 && fstat(record.get(), &written) == 0 && written.st_size == 0) {
    unlink(record_path.c_str());  // nothing to undo, and it would block the next run
  } else if (record.valid() && fsync(record.get()) != 0) {
    report.problems.push_back(Status::from_errno("sync the record " + record_path).message);
  }
  if (!st) {
    fmt::print(stderr, "ringfence: harden: {}\n", st.message);
    return report.unmatched_keep.empty() ? kExitRuntimeError : kExitUsage;
  }

  std::size_t listed = 0, stripped = 0, kept = 0, failed = 0;
  if (json) print_json(report, recorded > 0 ? record_path : "");
  for (const auto& f : report.files) {
    // Changing, a second path to an inode already stripped adds nothing.
    if (strip && f.outcome == enforcer::SuidOutcome::same_inode) continue;
    if (!json) print_finding(f, a.in_place);
    kept += f.outcome == enforcer::SuidOutcome::kept;
    stripped += f.outcome == enforcer::SuidOutcome::stripped;
    failed += f.outcome == enforcer::SuidOutcome::failed;
    listed += f.outcome == enforcer::SuidOutcome::found || f.outcome == enforcer::SuidOutcome::same_inode;
  }
  for (const auto& m : report.mount_points)
    fmt::print(stderr, "ringfence: harden: {}: a mount point, not descended\n", m);
  for (const auto& k : report.unmatched_keep) fmt::print(stderr, "ringfence: harden: --keep {}\n", k);
  for (const auto& p : report.problems) fmt::print(stderr, "ringfence: harden: {}\n", p);

  if (strip) {
    if (recorded > 0)
      fmt::print(stderr, "ringfence: harden: stripped {} file(s), {} kept; record: {} (undo: ringfence harden {} --undo {})\n",
                 stripped, kept, record_path, a.rootfs, record_path);
    if (failed > 0)
      fmt::print(stderr, "ringfence: harden: {} file(s) still setuid/setgid\n", failed);
    else if (stripped == 0)
      fmt::print(stderr, "ringfence: harden: nothing to strip ({} kept)\n", kept);
    return report.problems.empty() && failed == 0 ? kExitOk : kExitRuntimeError;
  }
  if (!report.problems.empty()) {
    fmt::print(stderr, "ringfence: harden: the scan is incomplete\n");
    return kExitRuntimeError;
  }
  if (listed > 0)
    fmt::print(stderr, "ringfence: harden: {} setuid/setgid file(s) {}, {} kept\n", listed,
               a.in_place ? "would be stripped" : "found", kept);
  return listed > 0 ? kExitInvalid : kExitOk;
}

}  // namespace

Verb add_harden(CLI::App& app) {
  auto a = std::make_shared<HardenArgs>();
  CLI::App* cmd = app.add_subcommand(
      "harden",
      "Find setuid/setgid files in a root filesystem; with --in-place, strip the bits and record how to undo it");
  cmd->footer(
      "Without --in-place (or with --dry-run) it only reports: MODE UID:GID PATH, one file a line,\n"
      "and exits 0 when there are none, 1 when there are some, 125 when the scan was incomplete.\n"
      "With --in-place it exits 0 when every file was stripped, 125 otherwise; the record\n"
      "(JSON Lines, one change a line) defaults to ROOTFS's sibling ROOTFS.harden.jsonl.\n"
      "--undo exits 0 when every change was restored, 1 when some were refused (the file is\n"
      "no longer the one that was stripped), 125 on errors.\n"
      "Symlinks are never followed and mount points inside ROOTFS are not descended.");
  cmd->add_option("rootfs", a->rootfs, "The root filesystem (a directory)")->required()->check(CLI::ExistingDirectory);
  auto* in_place = cmd->add_flag("--in-place", a->in_place, "Strip the setuid and setgid bits");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress line on a terminal (there is none when stderr is not one)");
  cmd->add_option("--format", a->format,
                  "text (a line per file) or json (one object: files with their outcome, problems, the record)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  auto* keep = cmd->add_option("--keep", a->keep,
                               "A file to leave alone, as a path in ROOTFS (/usr/bin/passwd); repeatable")
                   ->allow_extra_args(false);
  auto* record = cmd->add_option("--record", a->record, "Where to write the record (outside ROOTFS)");
  cmd->add_option("--undo", a->undo, "Restore the modes a record lists (only on unchanged files)")
      ->excludes(in_place)
      ->excludes(keep)
      ->excludes(record);
  cmd->add_flag("--dry-run", a->dry_run, "Change nothing; say what would be done");
  return {cmd, [a] { return a->undo.empty() ? harden(*a) : undo_harden(a->rootfs, a->undo, a->dry_run); }};
}

}  // namespace ringfence::cli
