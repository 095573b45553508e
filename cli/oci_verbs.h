// `ringfence-oci`: ringfence as an OCI runtime (runtime-spec runtime.md and
// the runc command line that podman's conmon, containerd's shim and CRI-O
// call). One function per verb group; oci_main.cpp parses.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

#include <cstdint>

#include "oci_log.h"
#include "ringfence/base/fd.h"
#include "ringfence/base/result.h"

namespace ringfence::cli {

struct OciGlobals {
  std::string root;  // --root; "" = /run/ringfence
  OciLog log;
  bool systemd_cgroup = false;  // --systemd-cgroup: cgroupsPath is slice:prefix:name
  // --policy: the site policy floor; "" = /etc/ringfence/policy.toml
  // when it exists, else none (site_floor.h).
  std::string policy;
  std::string audit_log;  // "" = the default (run_defaults.h)
};

struct OciCreateOptions {
  std::string id, bundle = ".", pid_file, console_socket;
  int preserve_fds = 0;
  bool no_pivot = false, no_new_keyring = false;
  bool detach = false;  // run only
};

struct OciExecOptions {
  std::string id, process_file, pid_file, console_socket, cwd, user, process_label, apparmor;
  std::vector<std::string> args, env, caps;
  bool detach = false, tty = false, no_new_privs = false;
  int preserve_fds = 0;
};

// Shared by create and exec (oci_create.cpp): the engine's console socket,
// connected (a path that is not a socket is refused); the pid file,
// written whole or not at all.
Result<Fd> connect_console_socket(const std::string& path);
Status write_pid_file(const std::string& path, pid_t pid);

// The state root, made and checked as `ringfence` does; nullopt after
// logging why.
std::optional<std::string> oci_state_root(const OciGlobals& g);

int oci_create(const OciGlobals& g, const OciCreateOptions& o);
int oci_run(const OciGlobals& g, const OciCreateOptions& o);
int oci_start(const OciGlobals& g, const std::string& id);
int oci_state(const OciGlobals& g, const std::string& id);
int oci_kill(const OciGlobals& g, const std::string& id, const std::string& signal, bool all);
int oci_delete(const OciGlobals& g, const std::string& id, bool force);
int oci_list(const OciGlobals& g, const std::string& format, bool quiet);
int oci_ps(const OciGlobals& g, const std::string& id, const std::string& format, const std::vector<std::string>& ps_args);
int oci_pause(const OciGlobals& g, const std::string& id, bool pause);
struct OciUpdateOptions {
  std::string resources;  // FILE or "-"
  std::optional<std::int64_t> memory, memory_swap, pids_limit, cpu_quota, cpu_period, cpu_shares, blkio_weight;
  std::string cpuset_cpus, cpuset_mems;
};
int oci_update(const OciGlobals& g, const std::string& id, const OciUpdateOptions& o);
int oci_exec(const OciGlobals& g, const OciExecOptions& o);
int oci_features();
int oci_spec(const std::string& bundle, bool rootless);
std::string oci_version_text();

}  // namespace ringfence::cli
