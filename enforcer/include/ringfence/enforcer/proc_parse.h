// Parsers for the /proc files a compliance check reads (proc_pid_status(5),
// user_namespaces(7), proc_pid_limits(5), proc_pid_cgroup(5)). Pure text in,
// values out, so that they are tested on fixture text. A field that is
// missing or malformed comes back empty: the caller reports it as unknown,
// never as a pass.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ringfence/policy/plan.h"

namespace ringfence::enforcer {

// "Key:\tvalue" lines of /proc/PID/status, keyed by name, values trimmed.
std::map<std::string, std::string> parse_status(const std::string& text);
std::optional<std::uint64_t> status_hex(const std::map<std::string, std::string>& status, const std::string& key);
std::optional<int> status_int(const std::map<std::string, std::string>& status, const std::string& key);
// "Uid:" / "Gid:": real, effective, saved, filesystem.
std::optional<std::array<std::uint32_t, 4>> status_ids(const std::map<std::string, std::string>& status,
                                                       const std::string& key);
std::optional<std::vector<std::uint32_t>> status_groups(const std::map<std::string, std::string>& status);

// uid_map / gid_map lines "inside outside count".
std::optional<std::vector<policy::IdMapping>> parse_id_map(const std::string& text);
// The id inside the namespace for an id as seen from outside, if mapped.
std::optional<std::uint32_t> map_to_inside(const std::vector<policy::IdMapping>& map, std::uint32_t outside);
// "0 0 4294967295": the initial user namespace's identity map.
bool is_identity_map(const std::vector<policy::IdMapping>& map);

// /proc/PID/limits: rows by name ("Max open files"); unlimited is ~0.
struct RlimitValue {
  std::uint64_t soft = 0, hard = 0;
};
std::optional<std::map<std::string, RlimitValue>> parse_limits(const std::string& text);
// The row name of an RLIMIT_* resource, "" if unknown.
std::string limits_row(int resource);

// /proc/PID/cgroup: (controllers, path); v2's line has empty controllers.
struct CgroupMembership {
  std::string controllers;
  std::string path;
};
std::optional<std::vector<CgroupMembership>> parse_proc_cgroup(const std::string& text);

// Interface names of /proc/PID/net/dev.
std::optional<std::vector<std::string>> parse_net_dev(const std::string& text);

// The fields of a /proc/PID/stat line that ringfence reads: the state
// letter (field 3: 'Z' a zombie), the parent (field 4) and the start time
// (field 22, clock ticks since boot: what tells a process from a later one
// given the same pid). nullopt for a malformed line.
struct StatFields {
  char state = 0;
  pid_t ppid = 0;
  std::uint64_t start_time = 0;
};
std::optional<StatFields> parse_stat(const std::string& stat_line);

// The start time of a live process's stat line; 0 for a zombie or an exited
// process (it only waits to be reaped) or a malformed line.
std::uint64_t stat_start_time(const std::string& stat_line);

}  // namespace ringfence::enforcer
