// What a sandbox can leave on the host after it is gone, looked up by the
// fixture's leak check (SandboxTest::TearDown).
#pragma once

#include <set>
#include <string>
#include <vector>

namespace ringfence::itest {

// Every sandbox named in an audit log: the names a test chose and the random
// ones ringfence gave its unnamed runs.
std::set<std::string> sandboxes_in_audit_log(const std::string& log);

// The sandbox state directories under a state root.
std::set<std::string> state_dirs(const std::string& state_root);

// The cgroup directories of sandbox `name` that exist now, under
// ringfence's cgroup root in every hierarchy (each v1 controller, the
// unified one, or a v2-only tree).
std::vector<std::string> cgroups_of(const std::string& name);

// Removes a cgroup directory left behind and the cgroups below it (rmdir,
// deepest first; a cgroup with processes in it stays). The leak is
// reported first: this only keeps one failure from outliving its test.
void remove_cgroup_tree(const std::string& dir);

// Host mount points under `dir`, or with a path component equal to one of
// `names`.
std::vector<std::string> mounts_of(const std::string& dir, const std::set<std::string>& names);

// This process's open descriptors (their numbers and what they point to).
std::set<std::string> open_fds();

// Host processes whose command line mentions `text` (a test's state root
// names every ringfence process it started, supervisors included).
std::vector<pid_t> processes_mentioning(const std::string& text);

// Zombies whose parent is this process.
std::vector<pid_t> zombie_children();

// Reservations of host id blocks (/run/ringfence-ids) held for a sandbox
// under `state_root`.
std::vector<std::string> id_blocks_under(const std::string& state_root);

}  // namespace ringfence::itest
