// Finding the containers on a host for `ringfence audit scan`: from the
// state directories OCI runtimes keep (runc's state.json, crun's status)
// and from /proc (every init of a pid namespace other than the scanner's),
// merged by init pid. What an engine's state says is only used to name a
// container and to choose its profile; every judgement is made from the
// kernel's view of the process.
//
// ringfence's own state files are read here for what finds and names a
// container; the caller reads the rest (profiles, flags) through the runtime.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ringfence/audit/findings.h"

namespace ringfence::audit {

// A state directory to look in and the runtime whose layout it has.
struct StateDir {
  // "runc" (DIR/[NS/]ID/state.json, runc's or ringfence-oci's), "crun"
  // (DIR/[NS/]ID/status) or "ringfence" (its state root: DIR/ID/state.json)
  std::string runtime;
  std::string dir;
  std::string engine;   // the engine that owns the directory, "" to decide from each container's labels
};

// Where runc, crun, containerd, Docker and podman keep their state when run
// as root with their defaults.
std::vector<StateDir> default_state_dirs();

// A container as found, before judging.
struct FoundContainer {
  ContainerRef ref;
  std::uint64_t start_time = 0;  // /proc/PID/stat field 22 as the state recorded it; 0: not recorded
  std::string rootfs;            // its root on the host, where the state says it ("" unknown)
  std::string bundle;
  bool running = false;          // the pid is alive and, where recorded, started when the state says
  bool started = true;           // false: created and waiting for `start` (not judged: its steps are not all done)
  std::string note;              // why it is not judged (stopped, pid reused)
};

// Pure parsers of one state file's text (`ns` is the directory level above
// the ID in a namespaced layout: containerd's "k8s.io", "moby", or "").
// nullopt when the text is not such a state. runc keeps the annotations in
// its state; crun's are given (from the config.json copy beside it).
std::optional<FoundContainer> parse_runc_state(const std::string& text, const std::string& ns);
// ringfence's own state.json (ringfence-oci's, in a directory an engine
// keeps for runc): its id, init pid and start time, status and annotations.
std::optional<FoundContainer> parse_ringfence_state(const std::string& text, const std::string& ns);
std::optional<FoundContainer> parse_crun_status(const std::string& text, const std::string& id, const std::string& ns,
                                               std::map<std::string, std::string> annotations);

// The engine behind a container, from its annotations (podman's
// io.container.manager, the CRI's io.kubernetes.*), the containerd
// namespace it is in (k8s.io, moby) and the runtime: in that order.
std::string engine_of(const std::map<std::string, std::string>& annotations, const std::string& ns,
                      const std::string& runtime);
// Its image and name where the annotations say them.
std::string image_of(const std::map<std::string, std::string>& annotations);
std::string name_of(const std::map<std::string, std::string>& annotations);

// Every container in `dir`, flat or one namespace level deep; a state file
// that cannot be read or parsed is skipped with a warning in `warnings`.
std::vector<FoundContainer> read_state_dir(const StateDir& dir, std::vector<std::string>& warnings);

// Every process, in the scanner's pid namespace, that is the init (pid 1)
// of a pid namespace directly below it: the containers /proc shows,
// whoever started them. Engine "unknown", ID "pid-PID".
std::vector<FoundContainer> pid_namespace_inits(const std::string& proc = "/proc");

// Marks each container running or not: its pid alive, not a zombie and,
// when the state recorded a start time, started then (else the pid was reused).
void check_running(std::vector<FoundContainer>& found, const std::string& proc = "/proc");

// One entry per init pid: an engine's state wins over /proc alone, and the
// first state listed wins between two (ringfence's own come first).
// Stopped containers are kept (reported, not judged), in their own order.
std::vector<FoundContainer> merge_containers(std::vector<FoundContainer> from_state,
                                             std::vector<FoundContainer> from_proc);

}  // namespace ringfence::audit
