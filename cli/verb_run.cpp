// ringfence run [--profile P]... [--rootfs DIR | --image REF [--store DIR] [--keep-changes DIR]] [--name N] [--detach] [-i] [-t] [overrides] -- CMD [ARGS]
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>

#include "docker_flags.h"
#include "image_run.h"
#include "ringfence/base/exit_codes.h"
#include "run_defaults.h"
#include "ringfence/runtime/launcher.h"
#include "ringfence/runtime/start_timings.h"
#include "sandbox_ref.h"
#include "verbs.h"

namespace ringfence::cli {

Verb add_run(CLI::App& app, const GlobalOptions& global) {
  struct Options {
    std::vector<std::string> profiles;
    std::string rootfs;
    std::string image;
    std::string store;
    std::string keep_changes;
    std::string name;
    bool detach = false;
    bool remove = false;
    bool quiet = false;
    bool tty = false;
    bool interactive = false;
    bool timings = false;
    std::string audit_log;
    std::string audit_fsync = "batch";
    std::vector<std::string> command;
    policy::DockerFlags flags;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("run", "Run a program in a sandbox");
  cmd->add_option("-p,--profile", o->profiles, "Profile file or shipped name (default: default); repeat to stack")
      ->expected(1)
      ->allow_extra_args(false)
      ->take_all();
  CLI::Option* rootfs =
      cmd->add_option("--rootfs", o->rootfs, "Root filesystem directory (default: the host's root, read-only)");
  cmd->add_option("--image", o->image,
                  "An image from the store (name, sha256:ID or ID prefix): its tree, read-only under a writable "
                  "tmpfs overlay discarded at the end, and its config's program, environment, working directory "
                  "and user")
      ->excludes(rootfs);
  cmd->add_option("--store", o->store, "The image store --image is looked up in (see `ringfence image`)");
  cmd->add_option("--keep-changes", o->keep_changes,
                  "With an image: keep the overlay's writable layer in DIR (DIR/upper, made on first use) instead of "
                  "a tmpfs, so that the program's changes outlive it and a later run on DIR starts from them");
  CLI::Option* name = cmd->add_option(
      "--name", o->name,
      "Name of the sandbox: 1 to 128 of a-z A-Z 0-9 _ . -, starting with a letter or digit (default: a random one, "
      "removed when it ends)");
  cmd->add_flag("-d,--detach", o->detach, "Start in the background and print the sandbox's name");
  cmd->add_flag("-t,--tty", o->tty,
                "Give the program a terminal (a pty in the sandbox's own devpts) relayed to yours; with -i, yours "
                "is in raw mode until the program ends");
  cmd->add_flag("-i,--interactive", o->interactive,
                "Keep stdin open for the program (without it, the program reads /dev/null, as under docker run)");
  cmd->add_flag("--rm", o->remove,
                "Remove the sandbox's state (and a detached one's output) when its program ends, as docker run --rm; "
                "a sandbox without --name is removed anyway");
  cmd->add_flag("--quiet", o->quiet,
                "Do not say on stderr that the memory or pids limit killed or held back the program");
  cmd->add_flag("--timings", o->timings,
                "When the sandbox ends, print on stderr where its time went: each plan step on the parent's and the "
                "child's side, the clone, the exec, the program and the cleanup (not with --detach)");
  cmd->add_option("--audit-log", o->audit_log,
                  "Where the sandbox's events are recorded (default: the profile's audit.log, else "
                  "/var/log/ringfence/audit.jsonl; rootless: $XDG_STATE_HOME/ringfence/audit.jsonl, else "
                  "~/.local/state/ringfence/audit.jsonl)");
  cmd->add_option("--audit-fsync", o->audit_fsync,
                  "batch: violation records are written and fsync'd in batches (at most 4096 records or 50 ms); "
                  "record: each record on its own")
      ->check(CLI::IsMember({"batch", "record"}))
      ->capture_default_str();
  cmd->add_option("command", o->command,
                  "The program and its arguments (after --); with --image, the arguments to its entrypoint "
                  "instead of its Cmd");
  add_docker_flags(*cmd, o->flags);
  return {cmd, [o, name, &global] {
            // Before the name becomes a path or a cgroup; a usage error is
            // 125 for run, as in Docker.
            if (name->count() > 0 && !usable_name(o->name)) return kExitRuntimeError;
            if (o->detach && (o->tty || o->interactive)) {
              // Docker keeps a detached terminal for a later attach; there
              // is no attach here, so the terminal would reach nobody.
              std::fprintf(stderr, "ringfence: -t and -i cannot be used with --detach: ringfence has no attach\n");
              return kExitRuntimeError;
            }
            if (o->detach && o->timings) {
              std::fprintf(stderr, "ringfence: --timings cannot be used with --detach: the table is printed when the "
                                   "sandbox ends\n");
              return kExitRuntimeError;
            }
            std::optional<runtime::StartTimings> timings;
            if (o->timings) timings.emplace(global.started);
            const auto root = state_root(global);
            if (!root) return kExitRuntimeError;
            const auto compile_began = runtime::StartTimings::Clock::now();
            policy::CompileOptions options;
            options.rootfs = o->rootfs;
            options.rootless = geteuid() != 0;
            if (o->profiles.empty()) o->profiles.push_back("default");
            std::optional<ImageRun> image;
            // The image's tree, program and config layer; then the profiles
            // are compiled again on top of it.
            auto use_image = [&](const std::string& ref) {
              auto prepared = prepare_image_run(ref, o->store, o->command);
              if (!prepared) {
                std::fprintf(stderr, "ringfence: %s\n", prepared.status().message.c_str());
                return false;
              }
              image = std::move(*prepared);
              options.rootfs = o->rootfs = image->rootfs;
              options.image = image->id;
              options.image_store = image->store;
              if (!o->keep_changes.empty()) {
                auto upper = keep_changes_dir(o->keep_changes, image->store);
                if (!upper) {
                  std::fprintf(stderr, "ringfence: %s\n", upper.status().message.c_str());
                  return false;
                }
                options.image_upper = *upper;
              }
              o->command = image->argv;
              return true;
            };
            if (!o->image.empty() && !use_image(o->image)) return kExitRuntimeError;
            auto compile = [&] {
              std::vector<policy::Layer> below;
              if (image) below.push_back(image->layer);
              return compile_with_flags(o->profiles, o->flags, options, below);
            };
            auto c = compile();
            if (!c.ok()) return kExitRuntimeError;
            // A profile's [image] name, when the command line named no root.
            if (!image && o->rootfs.empty() && c.profile.image.name.is_set()) {
              if (!use_image(c.profile.image.name.value)) return kExitRuntimeError;
              c = compile();
              if (!c.ok()) return kExitRuntimeError;
            }
            if (!o->keep_changes.empty() && !image) {
              std::fprintf(stderr, "ringfence: --keep-changes keeps an image's writable layer: it needs --image or a "
                                   "profile's [image] name\n");
              return kExitRuntimeError;
            }
            if (o->command.empty()) {
              std::fprintf(stderr, "ringfence: run needs a program (after --), or an image (--image)\n");
              return kExitRuntimeError;
            }
            if (image && !image->user.empty() && !c.profile.user.user.is_set() && !c.profile.user.uid.is_set()) {
              c = compile_with_flags(o->profiles, o->flags, options, {with_image_user(image->layer, image->user)});
              if (!c.ok()) return kExitRuntimeError;
            }
            if (timings) timings->add("profile: load, check, compile", "cli", compile_began);
            runtime::LaunchOptions launch;
            launch.auto_remove = o->remove || (name->count() == 0 && !o->detach);
            launch.name = name->count() == 0 ? random_sandbox_name() : o->name;
            launch.state_root = *root;
            launch.argv = o->command;
            launch.rootfs = o->rootfs;
            launch.detach = o->detach;
            launch.quiet = o->quiet;
            launch.tty = o->tty;
            launch.stdin_open = o->interactive;
            launch.profile_refs = o->profiles;
            launch.flags = o->flags;
            if (auto log = chosen_audit_log(o->audit_log, c.profile))
              launch.audit_log = *log;
            else
              return kExitRuntimeError;
            launch.audit_fsync = o->audit_fsync == "record" ? audit::FsyncPolicy::Record : audit::FsyncPolicy::Batch;
            if (timings) launch.timings = &*timings;
            return runtime::run_sandbox(*c.plan, launch);
          }};
}

}  // namespace ringfence::cli
