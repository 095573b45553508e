// ringfence logs [-f] [--tail N] NAME: what a detached sandbox's program
// wrote (stdout and stderr: STATE_ROOT/NAME.log.1, then NAME.log, which its
// supervisor rotates at 16 MiB; runtime/src/output_log.h), as `docker logs`.
// With -f it follows the file, across rotations, until the sandbox's
// supervisor has ended, woken by inotify and the supervisor's pidfd rather
// than by polling.
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <utility>

#include <fmt/core.h>

#include "ringfence/base/exit_codes.h"
#include "ringfence/enforcer/pidfd.h"
#include "ringfence/runtime/state.h"
#include "sandbox_ref.h"
#include "verbs.h"

namespace ringfence::cli {
namespace {

// Copies what is there from the current offset to stdout.
void copy_out(int fd) {
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) (void)!write(STDOUT_FILENO, buf, static_cast<std::size_t>(n));
}

// The offset where the last `lines` lines begin, and how many lines were
// found (fewer than asked: the file is shorter).
std::pair<off_t, long> tail_offset(int fd, long lines) {
  std::deque<off_t> starts = {0};
  char buf[65536];
  off_t at = 0;
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n; ++i)
      if (buf[i] == '\n') {
        starts.push_back(at + i + 1);
        if (static_cast<long>(starts.size()) > lines + 1) starts.pop_front();
      }
    at += n;
  }
  // The last start is the end of the file when it ends with a newline.
  if (!starts.empty() && starts.back() == at) starts.pop_back();
  while (static_cast<long>(starts.size()) > lines) starts.pop_front();
  return {starts.empty() ? at : starts.front(), static_cast<long>(starts.size())};
}

// The same file still under `path`?
bool still_named(int fd, const std::string& path) {
  struct stat held {}, named {};
  return fstat(fd, &held) == 0 && stat(path.c_str(), &named) == 0 && held.st_ino == named.st_ino &&
         held.st_dev == named.st_dev;
}

}  // namespace

Verb add_logs(CLI::App& app, const GlobalOptions& global) {
  struct Options {
    std::string name;
    bool follow = false;
    long tail = -1;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("logs", "What a detached sandbox's program wrote (stdout and stderr)");
  cmd->add_flag("-f,--follow", o->follow, "Keep printing what it writes until the sandbox ends");
  cmd->add_option("-n,--tail", o->tail, "Only the last N lines")->check(CLI::NonNegativeNumber);
  cmd->add_option("name", o->name, "The sandbox")->required();
  return {cmd, [o, &global] {
            auto found = find_sandbox(global, o->name);
            if (const int* code = std::get_if<int>(&found)) return *code;
            const auto& [root, state] = std::get<NamedSandbox>(found);
            const std::string path = runtime::state_dir(root, o->name) + ".log";
            Fd log(open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
            if (!log.valid()) {
              if (errno == ENOENT && !state.detached) {
                fmt::print(stderr, "ringfence: '{}' was not started with --detach: its output went to its terminal\n",
                           o->name);
                return kExitInvalid;
              }
              fmt::print(stderr, "ringfence: open {}: {}\n", path, std::strerror(errno));
              return kExitRuntimeError;
            }
            // Watched before the first read, so that nothing written in
            // between is missed: the state root, where the log is written
            // and, at a rotation, renamed and made again.
            Fd changes, supervisor;
            if (o->follow) {
              changes.reset(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
              if (changes.valid())
                inotify_add_watch(changes.get(), root.c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO);
              if (runtime::same_process(state.supervisor_pid, state.supervisor_start_time))
                supervisor.reset(enforcer::pidfd_open_process(state.supervisor_pid));
            }
            // The older half first: all of it, or the lines --tail still
            // wants after those the current file has.
            Fd older(open((path + ".1").c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
            long wanted = o->tail;
            if (o->tail >= 0) {
              const auto [offset, found] = tail_offset(log.get(), o->tail);
              lseek(log.get(), offset, SEEK_SET);
              wanted = o->tail - found;
            }
            if (older.valid() && wanted != 0) {
              if (wanted > 0) lseek(older.get(), tail_offset(older.get(), wanted).first, SEEK_SET);
              copy_out(older.get());
            }
            copy_out(log.get());
            while (o->follow && supervisor.valid() && changes.valid()) {
              pollfd fds[2] = {{changes.get(), POLLIN, 0}, {supervisor.get(), POLLIN, 0}};
              if (poll(fds, 2, -1) < 0) continue;
              if (fds[0].revents & POLLIN) {
                char events[4096];
                while (read(changes.get(), events, sizeof events) > 0) {
                }
              }
              copy_out(log.get());
              if (!still_named(log.get(), path)) {
                // Rotated: the rest of the old file was copied above; the
                // new one is read from its start.
                Fd fresh(open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
                if (fresh.valid()) {
                  log = std::move(fresh);
                  copy_out(log.get());
                }
              }
              if (fds[1].revents & POLLIN) break;  // the supervisor has ended: nothing more will come
            }
            return kExitOk;
          }};
}

}  // namespace ringfence::cli
