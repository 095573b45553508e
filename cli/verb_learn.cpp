// ringfence learn [--profile BASE] [-o FILE] [--rootfs DIR] [overrides] -- CMD [ARGS]
//
// Runs the program with every call BASE's filter would refuse let through
// and recorded, then writes a profile that extends BASE and allows what was
// seen (policy/learn.h). Exits with the program's status; the profile is
// written even when the program failed, since what it did until then is
// still worth reviewing. 125 when ringfence failed (no profile then).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include <fmt/core.h>

#include "docker_flags.h"
#include "ringfence/base/exit_codes.h"
#include "ringfence/base/text_file.h"
#include "ringfence/policy/learn.h"
#include "ringfence/policy/loader.h"
#include "ringfence/policy/seccomp_vocab.h"
#include "ringfence/runtime/launcher.h"
#include "ringfence/runtime/state.h"
#include "run_defaults.h"
#include "sandbox_ref.h"
#include "verbs.h"

namespace ringfence::cli {
namespace {

// The profile's name: the output file's stem in the characters a name may
// hold, else "learned".
std::string profile_name(const std::string& output) {
  std::string stem = output.empty() || output == "-" ? "" : std::filesystem::path(output).stem().string();
  for (char& c : stem)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') c = '-';
  return stem.empty() ? "learned" : stem;
}

// A shipped name stays a name; a path becomes absolute, because `extends`
// is read relative to the learned file, which may live elsewhere.
std::string extends_ref(const std::string& base) {
  if (policy::names_shipped_profile(base)) return base;
  std::error_code ec;
  auto abs = std::filesystem::absolute(base, ec);
  return ec ? base : abs.lexically_normal().string();
}

// Into a temporary file next to `path`, then renamed over it: a reader
// never sees half a profile, and a failure leaves the old file as it was.
// Without `replace`, a file that appeared at `path` while the program ran
// is not replaced either (RENAME_NOREPLACE).
bool write_file(const std::string& path, const std::string& text, bool replace, std::string& error) {
  std::string tmp = path + ".XXXXXX";
  const int fd = mkstemp(tmp.data());
  if (fd < 0) {
    error = fmt::format("cannot create a file next to {}: {}", path, std::strerror(errno));
    return false;
  }
  const bool ok = fchmod(fd, 0644) == 0 && write_all(fd, text).ok() && fsync(fd) == 0;
  const int err = errno;
  close(fd);
  if (!ok || renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), replace ? 0 : RENAME_NOREPLACE) != 0) {
    error = fmt::format("cannot write {}: {}", path, std::strerror(ok ? errno : err));
    unlink(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace

Verb add_learn(CLI::App& app, const GlobalOptions& global) {
  struct Options {
    std::string profile = "default";
    std::string output;
    bool force = false;
    std::string rootfs;
    std::string audit_log;
    std::vector<std::string> command;
    policy::DockerFlags flags;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "learn",
      "Run a program with every syscall its base profile refuses let through and recorded, and write a profile "
      "that extends the base and allows what was seen. A starting point to review: learning is not confinement");
  cmd->add_option("-p,--profile", o->profile, "The base profile, a file or shipped name")->capture_default_str();
  cmd->add_option("-o,--output", o->output,
                  "Where the learned profile goes (default: standard output, after the program's own output)");
  cmd->add_flag("-f,--force", o->force, "Replace the --output file when it exists");
  cmd->add_option("--rootfs", o->rootfs, "Root filesystem directory (default: the host's root, read-only)");
  cmd->add_option("--audit-log", o->audit_log,
                  "Where the sandbox's events, and each call let through, are recorded (default: as run)");
  cmd->add_option("command", o->command, "The program and its arguments (after --)")->required();
  add_docker_flags(*cmd, o->flags);
  return {cmd, [o, &global] {
            // Found out now, not after the program ran and its run is lost.
            if (!o->output.empty() && o->output != "-") {
              const auto dir = std::filesystem::path(o->output).parent_path();
              if (access(dir.empty() ? "." : dir.c_str(), W_OK) != 0) {
                std::fprintf(stderr, "ringfence: cannot write the profile into %s: %s\n",
                             dir.empty() ? "." : dir.c_str(), std::strerror(errno));
                return kExitRuntimeError;
              }
              struct stat existing {};
              if (!o->force && lstat(o->output.c_str(), &existing) == 0) {
                std::fprintf(stderr, "ringfence: %s exists; learn does not replace it without --force\n",
                             o->output.c_str());
                return kExitRuntimeError;
              }
            }
            const auto root = state_root(global);
            if (!root) return kExitRuntimeError;
            policy::CompileOptions options;
            options.rootfs = o->rootfs;
            options.rootless = geteuid() != 0;
            options.learn = true;
            auto c = compile_with_flags({o->profile}, o->flags, options);
            if (!c.ok()) return kExitRuntimeError;
            if (!c.plan->has(policy::StepKind::SeccompCompile)) {
              std::fprintf(stderr, "ringfence: %s has no seccomp filter: there is nothing to learn\n",
                           o->profile.c_str());
              return kExitRuntimeError;
            }
            policy::LearnedCalls learned;
            runtime::LaunchOptions launch;
            launch.auto_remove = true;
            launch.name = random_sandbox_name();
            launch.state_root = *root;
            launch.argv = o->command;
            launch.rootfs = o->rootfs;
            launch.profile_refs = {o->profile};
            launch.flags = o->flags;
            if (auto log = chosen_audit_log(o->audit_log, c.profile))
              launch.audit_log = *log;
            else
              return kExitRuntimeError;
            launch.learned = &learned;
            const int code = runtime::run_sandbox(*c.plan, launch);
            // A failure before the program ran (125, 126, 127 from set-up):
            // nothing was learned, and no profile is written.
            if (!learned.finished) {
              std::fprintf(stderr, "ringfence: the program did not run; no profile was written\n");
              return code;
            }
            policy::LearnedProfileInfo info;
            info.name = profile_name(o->output);
            info.extends = extends_ref(o->profile);
            info.command = o->command;
            info.invocation = global.invocation;
            info.when = runtime::now_rfc3339();
            const auto arches = policy::native_and_sub_arches();
            info.arch = arches.empty() ? "unknown" : arches.front();
            info.exit_status = code;
            const std::string text = policy::learned_profile_toml(learned, *c.plan->params<policy::StepKind::SeccompCompile>(), info);
            std::uint64_t calls = 0;
            for (const auto& [name, seen] : learned.syscalls()) calls += seen.calls;
            if (o->output.empty() || o->output == "-") {
              std::fflush(stdout);
              if (!write_all(STDOUT_FILENO, text)) {
                std::fprintf(stderr, "ringfence: cannot write the profile: %s\n", std::strerror(errno));
                return kExitRuntimeError;
              }
            } else if (std::string error; !write_file(o->output, text, o->force, error)) {
              std::fprintf(stderr, "ringfence: %s\n", error.c_str());
              return kExitRuntimeError;
            }
            std::fprintf(stderr, "ringfence: learned %zu syscall(s) beyond %s in %llu call(s); profile written to %s\n",
                         learned.syscalls().size(), o->profile.c_str(), static_cast<unsigned long long>(calls),
                         o->output.empty() || o->output == "-" ? "standard output" : o->output.c_str());
            if (code != 0)
              std::fprintf(stderr,
                           "ringfence: the program exited with status %d; the profile covers what it did until then\n",
                           code);
            return code;
          }};
}

}  // namespace ringfence::cli
