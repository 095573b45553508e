#include "docker_flags.h"

#include <filesystem>
#include <tuple>

namespace ringfence::cli {

namespace {

// `-v ./dir:/data` and `-v dir:/data` as Docker takes a ./ path: below the
// caller's working directory. Made absolute here, once, so that what the
// state keeps for `exec` (and the plan's hash) does not depend on where a
// later command runs.
CLI::Validator relative_volume_source() {
  return CLI::Validator(
      [](std::string& spec) -> std::string {
        const auto colon = spec.find(':');
        if (spec.empty() || spec[0] == '/' || colon == std::string::npos || colon == 0) return {};
        // '..' is refused as in an absolute source: resolved lexically it
        // could name another place than the kernel reaches through a link.
        for (const auto& part : std::filesystem::path(spec.substr(0, colon)))
          if (part == "..") return "'" + spec.substr(0, colon) + "' climbs with '..'; name the directory without it";
        std::error_code ec;
        const auto cwd = std::filesystem::current_path(ec);
        if (ec) return "a relative volume source needs the current directory: " + ec.message();
        std::string source = (cwd / spec.substr(0, colon)).lexically_normal().string();
        while (source.size() > 1 && source.back() == '/') source.pop_back();
        spec = source + spec.substr(colon);
        return {};
      },
      "", "relative volume source");
}

}  // namespace

void add_docker_flags(CLI::App& app, policy::DockerFlags& f) {
  // Repeatable flags take one value each (--cap-add A --cap-add B), so that
  // a value never swallows the command after "--".
  const char* group = "Docker-style overrides";
  app.add_option("--cap-add", f.cap_add, "Add a capability (or ALL)")->expected(1)->allow_extra_args(false)->take_all()->group(group);
  app.add_option("--cap-drop", f.cap_drop, "Drop a capability (or ALL)")->expected(1)->allow_extra_args(false)->take_all()->group(group);
  app.add_flag("--privileged", f.privileged, "Every capability and device, no seccomp, no masking")->group(group);
  app.add_flag("--read-only", f.read_only, "Mount the root read-only")->group(group);
  app.add_flag("--no-audit-denials", f.no_audit_denials,
               "Do not record refused calls and accesses in the audit log (seccomp.audit = false)")
      ->group(group);
  app.add_option("--ipc", f.ipc, "private | shareable | host | none | container:NAME")->group(group);
  app.add_option("--shm-size", f.shm_size, "Size of /dev/shm")->group(group);
  app.add_option("--network,--net", f.network, "none | host | container:NAME")->group(group);
  app.add_option("--pid", f.pid, "private | host | container:NAME")->group(group);
  app.add_option("--uts", f.uts, "private | host")->group(group);
  app.add_option("--device", f.devices, "HOST[:CONTAINER[:PERMISSIONS]]")->expected(1)->allow_extra_args(false)->take_all()->group(group);
  app.add_option("--security-opt", f.security_opts,
                 "no-new-privileges[:true|false], seccomp=FILE|unconfined, apparmor=NAME, label=...")
      ->expected(1)
      ->allow_extra_args(false)
      ->take_all()
      ->group(group);
  app.add_option("-u,--user", f.user, "USER[:GROUP] (names or numbers)")->group(group);
  app.add_option("--userns", f.userns, "host | private | auto")->group(group);
  app.add_option("--group-add", f.group_add, "Add a supplementary group")->expected(1)->allow_extra_args(false)->take_all()->group(group);
  app.add_option("-m,--memory", f.memory, "Memory limit (e.g. 256m)")->group(group);
  app.add_option("--memory-swap", f.memory_swap, "Memory plus swap limit, -1 for unlimited")->group(group);
  app.add_option("--cpus", f.cpus, "Number of CPUs (e.g. 1.5)")->group(group);
  app.add_option("--cpu-shares", f.cpu_shares, "Relative CPU weight")->group(group);
  app.add_option("--cpuset-cpus", f.cpuset_cpus, "CPUs allowed (e.g. 0-1)")->group(group);
  app.add_option("--pids-limit", f.pids_limit, "Maximum number of processes, -1 for unlimited")->group(group);
  app.add_option("--blkio-weight", f.blkio_weight, "Block I/O weight (10-1000)")->group(group);
  for (auto [name, list, help] :
       {std::tuple{"--blkio-weight-device", &f.blkio_weight_devices, "DEVICE:WEIGHT, a block device's weight (10-1000)"},
        {"--device-read-bps", &f.device_read_bps, "DEVICE:RATE, bytes a second read from a block device (e.g. 1mb)"},
        {"--device-write-bps", &f.device_write_bps, "DEVICE:RATE, bytes a second written to a block device"},
        {"--device-read-iops", &f.device_read_iops, "DEVICE:N, reads a second from a block device"},
        {"--device-write-iops", &f.device_write_iops, "DEVICE:N, writes a second to a block device"}})
    app.add_option(name, *list, help)->expected(1)->allow_extra_args(false)->take_all()->group(group);
  app.add_option("--tmpfs", f.tmpfs, "PATH[:OPTIONS] (size=, mode=, noexec...)")->expected(1)->allow_extra_args(false)->take_all()->group(group);
  app.add_option("-v,--volume", f.volumes,
                 "SOURCE:TARGET[:ro,nosuid,nodev,noexec]; a relative SOURCE is below the current directory")
      ->expected(1)
      ->allow_extra_args(false)
      ->take_all()
      ->transform(relative_volume_source())
      ->group(group);
  app.add_option("-e,--env", f.env, "NAME=VALUE")->expected(1)->allow_extra_args(false)->take_all()->group(group);
  app.add_option("--ulimit", f.ulimits, "NAME=SOFT[:HARD]")->expected(1)->allow_extra_args(false)->take_all()->group(group);
  app.add_option("-w,--workdir", f.workdir, "Working directory inside the sandbox")->group(group);
  app.add_option("--hostname", f.hostname, "Host name inside the sandbox")->group(group);
}

}  // namespace ringfence::cli
