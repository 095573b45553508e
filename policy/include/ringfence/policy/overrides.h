// Docker's command-line vocabulary (--cap-add, --read-only, --security-opt
// seccomp=FILE, -v SRC:DST:ro ...) as a profile layer stacked on top of the
// profiles, so `validate`, `plan`, `export` and `run` read flags the same way.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ringfence/policy/diagnostic.h"
#include "ringfence/policy/profile.h"

namespace ringfence::policy {

struct DockerFlags {
  std::vector<std::string> cap_add, cap_drop;
  bool privileged = false;
  bool no_audit_denials = false;  // --no-audit-denials: seccomp.audit = false
  bool read_only = false;
  std::optional<std::string> ipc, shm_size, network, pid, uts;
  std::vector<std::string> devices;        // HOST[:CONTAINER[:PERMS]]
  std::vector<std::string> security_opts;  // no-new-privileges, seccomp=, apparmor=, label=
  std::optional<std::string> user, userns;
  std::vector<std::string> group_add;
  std::optional<std::string> memory, memory_swap, cpus, cpu_shares, cpuset_cpus, pids_limit;
  // Block I/O: --blkio-weight N; the others DEVICE:VALUE, DEVICE a block
  // device node whose numbers are read from the host.
  std::optional<std::string> blkio_weight;
  std::vector<std::string> blkio_weight_devices, device_read_bps, device_write_bps, device_read_iops,
      device_write_iops;
  std::vector<std::string> tmpfs;    // PATH[:OPTIONS]
  std::vector<std::string> volumes;  // SRC:DST[:OPTIONS]
  std::vector<std::string> env;      // KEY=VALUE
  std::vector<std::string> ulimits;  // NAME=SOFT[:HARD]
  std::optional<std::string> workdir, hostname;

  bool empty() const;
};

// The display name of the layer built from flags.
inline constexpr const char* kCommandLineLayer = "<command line>";

// Returns the layer (nothing when no flag was given). Each value's location
// is the flag as written, e.g. "--cap-add NET_ADMN".
std::optional<Layer> layer_from_flags(const DockerFlags& flags, Diagnostics& diags);

}  // namespace ringfence::policy
